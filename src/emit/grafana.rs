//! Grafana back end: a dashboard per service (a row per SLO: objective, budget remaining, burn
//! rates against the alert thresholds, SLI error ratios, budget consumed in minutes; the
//! service's hand-written alerts; firing-alert annotations; runbook links), an "office TV"
//! overview of every SLO grouped by team and tier with the worst budget first, and a
//! provisioning file. Typed structs serialised to JSON; validated against Grafana's schema in
//! the tests.

use serde::Serialize;
use serde_json::{Value, json};

use super::OutputFile;
use crate::duration;
use crate::model::burn::{self, num};
use crate::model::names;
use crate::model::{Model, Service, Slo};

pub(crate) const SCHEMA_VERSION: u32 = 39;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dashboard {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub timezone: &'static str,
    pub editable: bool,
    pub graph_tooltip: u8,
    pub time: TimeRange,
    pub refresh: &'static str,
    pub schema_version: u32,
    pub version: u32,
    pub panels: Vec<PanelOrRow>,
    pub templating: Templating,
    pub annotations: Annotations,
    pub links: Vec<Link>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimeRange {
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum PanelOrRow {
    Panel(Box<Panel>),
    Row(Row),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Row {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: u32,
    pub title: String,
    pub collapsed: bool,
    pub grid_pos: GridPos,
    pub panels: Vec<Value>,
    /// The variable the row (and the panels below it) is repeated over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Panel {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: u32,
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub datasource: DataSource,
    pub grid_pos: GridPos,
    pub targets: Vec<Target>,
    pub field_config: FieldConfig,
    pub options: Options,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct DataSource {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uid: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct GridPos {
    pub h: u32,
    pub w: u32,
    pub x: u32,
    pub y: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Target {
    pub ref_id: String,
    pub datasource: DataSource,
    pub expr: String,
    pub legend_format: String,
    pub instant: bool,
    pub range: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct FieldConfig {
    pub defaults: Defaults,
    pub overrides: Vec<Value>,
}

/// A panel's field defaults: its keys in one order that every panel's follow.
#[derive(Debug, Serialize)]
pub(crate) struct Defaults {
    pub unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    pub color: Color,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Custom>,
}

impl Defaults {
    fn new(unit: &'static str, color: Color) -> Defaults {
        Defaults { unit, min: None, max: None, decimals: None, color, thresholds: None, custom: None }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Color {
    pub mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_color: Option<&'static str>,
}

fn color(mode: &'static str) -> Color {
    Color { mode, fixed_color: None }
}

#[derive(Debug, Serialize)]
pub(crate) struct Thresholds {
    pub mode: &'static str,
    pub steps: Vec<Step>,
}

/// A threshold step: from `value` (`null`: from the lowest) up, `color`.
#[derive(Debug, Serialize)]
pub(crate) struct Step {
    pub value: Option<f64>,
    pub color: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Custom {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draw_style: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds_style: Option<Mode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_width: Option<u32>,
    pub fill_opacity: u32,
}

#[derive(Debug, Serialize)]
pub(crate) struct Mode {
    pub mode: &'static str,
}

/// A panel's options: a stat's, a time series', or another plugin's.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Options {
    Stat(StatOptions),
    Timeseries(TimeseriesOptions),
    Other(Value),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatOptions {
    pub reduce_options: ReduceOptions,
    pub color_mode: &'static str,
    pub graph_mode: &'static str,
    pub text_mode: &'static str,
}

/// The last value that is not null, of each series.
#[derive(Debug, Serialize)]
pub(crate) struct ReduceOptions {
    pub calcs: [&'static str; 1],
    pub fields: &'static str,
    pub values: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct TimeseriesOptions {
    pub legend: Legend,
    pub tooltip: Tooltip,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Legend {
    pub display_mode: &'static str,
    pub placement: &'static str,
    pub show_legend: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tooltip {
    pub mode: &'static str,
    pub sort: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Templating {
    pub list: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Annotations {
    pub list: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Link {
    pub title: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub icon: &'static str,
    pub tooltip: String,
    pub url: String,
    pub tags: Vec<String>,
    pub as_dropdown: bool,
    pub target_blank: bool,
    pub include_vars: bool,
    pub keep_time: bool,
}

fn ds() -> DataSource {
    DataSource { kind: "prometheus", uid: "${datasource}".into() }
}

fn target(ref_id: &str, expr: String, legend: &str, instant: bool) -> Target {
    Target { ref_id: ref_id.into(), datasource: ds(), expr, legend_format: legend.into(), instant, range: !instant }
}

fn thresholds(steps: &[(Option<f64>, &'static str)]) -> Option<Thresholds> {
    Some(Thresholds { mode: "absolute", steps: steps.iter().map(|&(value, color)| Step { value, color }).collect() })
}

fn link(title: String, url: String, tooltip: &str) -> Link {
    Link {
        title,
        kind: "link",
        icon: "doc",
        tooltip: tooltip.into(),
        url,
        tags: vec![],
        as_dropdown: false,
        target_blank: true,
        include_vars: false,
        keep_time: false,
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

struct Ids(u32);

impl Ids {
    fn next(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

/// A panel of plugin `kind.0` with options `kind.1`.
fn panel(
    kind: (&'static str, Options),
    ids: &mut Ids,
    title: &str,
    description: &str,
    pos: GridPos,
    targets: Vec<Target>,
    defaults: Defaults,
) -> PanelOrRow {
    PanelOrRow::Panel(Box::new(Panel {
        kind: kind.0,
        id: ids.next(),
        title: title.into(),
        description: description.into(),
        datasource: ds(),
        grid_pos: pos,
        targets,
        field_config: FieldConfig { defaults, overrides: vec![] },
        options: kind.1,
        links: vec![],
    }))
}

/// A stat panel; `named`: one value per series, each with its legend (a grouped SLO's groups).
fn stat(ids: &mut Ids, title: &str, description: &str, pos: GridPos, targets: Vec<Target>, defaults: Defaults, named: bool) -> PanelOrRow {
    let options = Options::Stat(StatOptions {
        reduce_options: ReduceOptions { calcs: ["lastNotNull"], fields: "", values: false },
        color_mode: "background",
        graph_mode: "none",
        text_mode: if named { "value_and_name" } else { "value" },
    });
    panel(("stat", options), ids, title, description, pos, targets, defaults)
}

fn timeseries(ids: &mut Ids, title: &str, description: &str, pos: GridPos, targets: Vec<Target>, defaults: Defaults) -> PanelOrRow {
    let options = Options::Timeseries(TimeseriesOptions {
        legend: Legend { display_mode: "list", placement: "bottom", show_legend: true },
        tooltip: Tooltip { mode: "multi", sort: "desc" },
    });
    panel(("timeseries", options), ids, title, description, pos, targets, defaults)
}

/// The panels of one SLO, starting at row `y`; returns the next free row.
/// SLOs whose panels differ only in the SLO they select: the same objective, period and
/// description. Their panels are written once, in a row repeated over a variable listing them,
/// so a dashboard does not grow by a row of panels per SLO (at 100,000 SLOs that was a gigabyte).
fn classes(svc: &Service) -> Vec<Vec<&Slo>> {
    let mut out: Vec<Vec<&Slo>> = vec![];
    for slo in &svc.slos {
        let same = |o: &&Slo| {
            o.objective.to_bits() == slo.objective.to_bits()
                && o.period == slo.period
                && o.description == slo.description
                && o.group_by == slo.group_by
                && o.windows == slo.windows
        };
        match out.iter_mut().find(|c| c.first().is_some_and(same)) {
            Some(c) => c.push(slo),
            None => out.push(vec![slo]),
        }
    }
    out
}

/// The hidden variable a class of SLOs is repeated over: every SLO of the class, all selected.
fn class_variable(name: &str, slos: &[&Slo]) -> Value {
    let names: Vec<&str> = slos.iter().map(|s| s.name.as_str()).collect();
    let options: Vec<Value> = std::iter::once(json!({ "text": "All", "value": "$__all", "selected": true }))
        .chain(names.iter().map(|n| json!({ "text": n, "value": n, "selected": false })))
        .collect();
    json!({
        "type": "custom", "name": name, "label": "SLO", "query": names.join(","), "options": options,
        "current": { "text": ["All"], "value": ["$__all"] }, "hide": 2, "includeAll": true, "multi": true,
    })
}

fn slo_panels(model: &Model, svc: &Service, class: &[&Slo], var: &str, ids: &mut Ids, y: u32, out: &mut Vec<PanelOrRow>) -> u32 {
    let slo = class[0];
    let l = &model.settings.labels;
    // The service and SLO labels select one SLO's series under every label scheme.
    let sel = format!("{{{}={}, {}=\"${{{var}}}\"}}", l.service, crate::promql::quote(&svc.name), l.slo);
    let period = duration::format(slo.period);
    // The SLI panel's windows: 5m and the first page and ticket pairs' long windows (1h and 1d
    // by default), all recorded.
    let mut sli_windows: Vec<u64> = vec![300];
    for tier in [burn::Tier::Page, burn::Tier::Ticket] {
        if let Some(w) = slo.windows.iter().find(|w| w.tier == tier)
            && !sli_windows.contains(&w.long)
        {
            sli_windows.push(w.long);
        }
    }
    // A grouped SLO's series are one per group: legends name the group.
    let grouped = !slo.group_by.is_empty();
    let legend = |base: &str| -> String {
        let groups: Vec<String> = slo.group_by.iter().map(|g| format!("{{{{{g}}}}}")).collect();
        if grouped { format!("{base} {}", groups.join(" ")) } else { base.to_string() }
    };
    out.push(PanelOrRow::Row(Row {
        kind: "row",
        id: ids.next(),
        title: format!("${{{var}}} — {}% over {period}", num(slo.objective)),
        collapsed: false,
        grid_pos: GridPos { h: 1, w: 24, x: 0, y },
        panels: vec![],
        repeat: Some(var.to_string()),
    }));
    let y = y + 1;
    out.push(stat(
        ids,
        "Objective",
        &slo.description,
        GridPos { h: 4, w: 4, x: 0, y },
        vec![target("A", format!("{}{sel} * 100", names::OBJECTIVE), "objective", true)],
        Defaults { decimals: Some(3), ..Defaults::new("percent", Color { mode: "fixed", fixed_color: Some("blue") }) },
        false,
    ));
    out.push(stat(
        ids,
        "Error budget remaining",
        &format!("Share of the {period} error budget ({}) not yet spent. Red below zero.", duration::human(slo.budget_seconds())),
        GridPos { h: 4, w: 4, x: 0, y: y + 4 },
        vec![target("A", format!("{}{sel}", names::BUDGET_REMAINING), &legend("remaining"), true)],
        Defaults {
            decimals: Some(1),
            thresholds: thresholds(&[(None, "red"), (Some(0.0), "orange"), (Some(0.25), "green")]),
            ..Defaults::new("percentunit", color("thresholds"))
        },
        grouped,
    ));
    let factors: Vec<(f64, &str)> =
        slo.windows.iter().map(|w| (w.factor(slo.period), if w.tier == burn::Tier::Page { "red" } else { "orange" })).collect();
    let mut steps: Vec<(Option<f64>, &'static str)> = vec![(None, "green")];
    let mut sorted = factors.clone();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    steps.extend(sorted.iter().map(|(f, c)| (Some(burn::round_sig(*f)), *c)));
    out.push(timeseries(
        ids,
        "Burn rate",
        &format!(
            "How fast the error budget is being spent (1 = exactly the budget over {period}). Lines: the alert thresholds {}.",
            factors.iter().map(|(f, _)| format!("{}x", num(*f))).collect::<Vec<_>>().join(", ")
        ),
        GridPos { h: 8, w: 10, x: 4, y },
        vec![
            target("A", format!("{}{sel}", names::CURRENT_BURN), &legend("current (5m)"), false),
            target("B", format!("{}{sel}", names::PERIOD_BURN), &legend(&format!("period ({period})")), false),
        ],
        Defaults {
            min: Some(0),
            thresholds: thresholds(&steps),
            custom: Some(Custom { draw_style: None, thresholds_style: Some(Mode { mode: "line" }), line_width: Some(2), fill_opacity: 0 }),
            ..Defaults::new("none", color("palette-classic"))
        },
    ));
    out.push(timeseries(
        ids,
        "SLI error ratio",
        &format!("Share of bad events over {}.", and_list(&sli_windows.iter().map(|w| duration::format(*w)).collect::<Vec<_>>())),
        GridPos { h: 8, w: 10, x: 14, y },
        sli_windows
            .iter()
            .zip(["A", "B", "C"])
            .map(|(w, r)| target(r, format!("{}{sel}", names::sli_ratio(*w)), &legend(&duration::format(*w)), false))
            .collect(),
        Defaults {
            min: Some(0),
            thresholds: thresholds(&[(None, "green"), (Some(burn::round_sig(slo.budget())), "red")]),
            custom: Some(Custom { draw_style: None, thresholds_style: Some(Mode { mode: "line" }), line_width: None, fill_opacity: 10 }),
            ..Defaults::new("percentunit", color("palette-classic"))
        },
    ));
    out.push(stat(
        ids,
        "Budget consumed (minutes)",
        &format!(
            "Minutes of full outage the errors so far this {period} add up to, out of {} allowed.",
            duration::human(slo.budget_seconds())
        ),
        GridPos { h: 4, w: 4, x: 0, y: y + 8 },
        vec![target("A", format!("{}{sel} * {}", names::sli_ratio(slo.period), num(slo.period as f64 / 60.0)), &legend("consumed"), true)],
        Defaults {
            decimals: Some(1),
            thresholds: thresholds(&[
                (None, "green"),
                (Some(burn::round_sig(slo.budget_seconds() / 60.0 * 0.75)), "orange"),
                (Some(burn::round_sig(slo.budget_seconds() / 60.0)), "red"),
            ]),
            ..Defaults::new("m", color("thresholds"))
        },
        grouped,
    ));
    y + 12
}

fn alerts_panel(model: &Model, svc: &Service, ids: &mut Ids, y: u32) -> PanelOrRow {
    let names: Vec<String> = svc.alerts.iter().map(|a| names::alert(&a.name)).collect();
    let _ = model;
    timeseries(
        ids,
        "Hand-written alerts",
        &format!("Pending and firing: {}.", names.join(", ")),
        GridPos { h: 8, w: 24, x: 0, y },
        vec![target(
            "A",
            format!(
                "sum by (alertname, alertstate, severity) (ALERTS{{service={}, alertname=~\"{}\"}})",
                crate::promql::quote(&svc.name),
                names.join("|")
            ),
            "{{alertname}} ({{severity}}, {{alertstate}})",
            false,
        )],
        Defaults {
            min: Some(0),
            decimals: Some(0),
            custom: Some(Custom { draw_style: Some("bars"), thresholds_style: None, line_width: None, fill_opacity: 60 }),
            ..Defaults::new("none", color("palette-classic"))
        },
    )
}

fn templating(model: &Model) -> Templating {
    let uid = model.settings.datasource_uid.clone();
    Templating {
        list: vec![json!({
            "type": "datasource", "name": "datasource", "label": "Prometheus", "query": "prometheus",
            "current": { "text": uid, "value": uid }, "hide": 0, "refresh": 1, "regex": "",
            "includeAll": false, "multi": false,
        })],
    }
}

fn firing(model: &Model, service: Option<&str>) -> Annotations {
    let sel = match service {
        Some(s) => format!("ALERTS{{alertstate=\"firing\", service={}}}", crate::promql::quote(s)),
        None => format!("ALERTS{{alertstate=\"firing\", severity={}}}", crate::promql::quote(model.settings.severity_value("page"))),
    };
    Annotations {
        list: vec![json!({
            "name": "Firing alerts", "datasource": { "type": "prometheus", "uid": "${datasource}" },
            "enable": true, "hide": false, "iconColor": "red", "expr": sel, "step": "1m",
            "titleFormat": "{{alertname}}", "textFormat": "{{severity}} — team {{team}}",
            "tagKeys": "severity,team", "useValueForTime": false,
        })],
    }
}

fn description(sources: &[String]) -> String {
    format!("Generated by rely from {}; do not edit, change the sources and run `rely build`.", sources.join(", "))
}

pub(crate) fn service_dashboard(model: &Model, svc: &Service) -> Dashboard {
    let mut ids = Ids(0);
    let mut panels = vec![];
    let mut y = 0;
    let mut templating = templating(model);
    for (i, class) in classes(svc).iter().enumerate() {
        let var = format!("slo{}", i + 1);
        templating.list.push(class_variable(&var, class));
        y = slo_panels(model, svc, class, &var, &mut ids, y, &mut panels);
    }
    if !svc.alerts.is_empty() {
        panels.push(PanelOrRow::Row(Row {
            kind: "row",
            id: ids.next(),
            title: "Alerts".into(),
            collapsed: false,
            grid_pos: GridPos { h: 1, w: 24, x: 0, y },
            panels: vec![],
            repeat: None,
        }));
        panels.push(alerts_panel(model, svc, &mut ids, y + 1));
    }
    let mut links = vec![];
    let mut seen = std::collections::BTreeSet::new();
    for (title, url) in svc
        .runbook_url
        .iter()
        .map(|u| (format!("Runbook: {}", svc.name), u.clone()))
        .chain(svc.slos.iter().filter_map(|s| s.runbook_url.clone().map(|u| (format!("Runbook: {}", s.name), u))))
        .chain(svc.alerts.iter().filter_map(|a| a.runbook_url.clone().map(|u| (format!("Runbook: {}", a.name), u))))
    {
        if seen.insert(url.clone()) {
            links.push(link(title, url, "What to do when this fires"));
        }
    }
    Dashboard {
        uid: svc.dashboard_uid.clone(),
        title: format!("{} — SLOs", svc.name),
        description: description(&svc.sources),
        tags: vec!["rely".into(), "slo".into(), format!("team:{}", svc.owner), format!("tier:{}", svc.tier)],
        timezone: "utc",
        editable: false,
        graph_tooltip: 1,
        time: TimeRange { from: "now-7d", to: "now" },
        refresh: "1m",
        schema_version: SCHEMA_VERSION,
        version: 1,
        panels,
        templating,
        annotations: firing(model, Some(&svc.name)),
        links,
    }
}

/// Every SLO on one screen: a row per team and tier, each SLO's remaining budget, worst first.
pub(crate) fn overview(model: &Model) -> Dashboard {
    let mut ids = Ids(0);
    let mut panels = vec![];
    let mut groups: std::collections::BTreeMap<(String, u8), Vec<&Slo>> = Default::default();
    for svc in &model.services {
        for slo in &svc.slos {
            groups.entry((slo.owner.clone(), svc.tier)).or_default().push(slo);
        }
    }
    let mut y = 0;
    let l = &model.settings.labels;
    for ((team, tier), slos) in &groups {
        panels.push(PanelOrRow::Row(Row {
            kind: "row",
            id: ids.next(),
            title: format!("team {team} — tier {tier}"),
            collapsed: false,
            grid_pos: GridPos { h: 1, w: 24, x: 0, y },
            panels: vec![],
            repeat: None,
        }));
        let re: Vec<String> = slos.iter().map(|s| s.name.clone()).collect();
        let h = (2 + 2 * slos.len() as u32).min(20);
        panels.push(PanelOrRow::Panel(Box::new(Panel {
            kind: "bargauge",
            id: ids.next(),
            title: "Error budget remaining, worst first".into(),
            description: format!("SLOs alerting team {team} on tier-{tier} services."),
            datasource: ds(),
            grid_pos: GridPos { h, w: 24, x: 0, y: y + 1 },
            targets: vec![target(
                "A",
                // One bar per SLO: a grouped SLO's worst group.
                format!("sort(min by ({}, {}) ({}{{{}=~\"{}\"}}))", l.service, l.slo, names::BUDGET_REMAINING, l.slo, re.join("|")),
                &format!("{{{{{}}}}} / {{{{{}}}}}", l.service, l.slo),
                true,
            )],
            field_config: FieldConfig {
                defaults: Defaults {
                    min: Some(-1),
                    max: Some(1),
                    decimals: Some(1),
                    thresholds: thresholds(&[(None, "red"), (Some(0.0), "orange"), (Some(0.25), "green")]),
                    ..Defaults::new("percentunit", color("thresholds"))
                },
                overrides: vec![],
            },
            options: Options::Other(json!({ "orientation": "horizontal", "displayMode": "lcd", "showUnfilled": true,
                              "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false } })),
            links: vec![],
        })));
        y += 1 + h;
    }
    let links = model
        .services
        .iter()
        .filter(|s| !s.slos.is_empty())
        .filter_map(|s| model.dashboard_url(&s.name).map(|u| link(format!("{} SLOs", s.name), u, "Service dashboard")))
        .collect();
    let mut sources: Vec<String> = model.services.iter().flat_map(|s| s.sources.clone()).collect();
    sources.sort();
    sources.dedup();
    Dashboard {
        uid: "rely-overview".into(),
        title: "SLO overview".into(),
        description: description(&sources),
        tags: vec!["rely".into(), "slo".into(), "overview".into()],
        timezone: "utc",
        editable: false,
        graph_tooltip: 0,
        time: TimeRange { from: "now-24h", to: "now" },
        refresh: "1m",
        schema_version: SCHEMA_VERSION,
        version: 1,
        panels,
        templating: templating(model),
        annotations: firing(model, None),
        links,
    }
}

/// The dashboard of one service (none when it has neither SLOs nor alerts).
pub(crate) fn service_file(model: &Model, svc: &Service) -> Option<OutputFile> {
    (!svc.slos.is_empty() || !svc.alerts.is_empty())
        .then(|| OutputFile { path: names::dashboard_file(&svc.name), contents: super::json::pretty(&service_dashboard(model, svc)) })
}

/// The overview dashboard and the provisioning file.
pub(crate) fn shared(model: &Model) -> Vec<OutputFile> {
    let mut out = vec![];
    if model.all_slos().next().is_some() {
        out.push(OutputFile { path: names::OVERVIEW_DASHBOARD_FILE.into(), contents: super::json::pretty(&overview(model)) });
    }
    let folder = model.settings.dashboard_folder.clone();
    let provisioning = format!(
        "# Generated by rely; do not edit. Copy the dashboards to the path below (or mount them there).\napiVersion: 1\nproviders:\n  - name: rely\n    folder: {}\n    type: file\n    disableDeletion: false\n    allowUiUpdates: false\n    updateIntervalSeconds: 60\n    options:\n      path: /var/lib/grafana/dashboards/rely\n      foldersFromFilesStructure: false\n",
        serde_json::to_string(&folder).expect("json")
    );
    out.push(OutputFile { path: names::PROVISIONING_FILE.into(), contents: provisioning });
    out
}
