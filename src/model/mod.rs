//! The validated model the back ends read: SLOs lowered to concrete windows, thresholds, owners
//! and runbooks, with every generated name decided in one place (`names`).

pub mod burn;
mod lower;
pub mod names;
mod owners;
pub mod settings;

pub use lower::*;
pub use owners::Origin;
pub use settings::Settings;
