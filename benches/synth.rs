//! The synthetic repository generator shared by the benchmark and `examples/synth.rs`.

use std::path::Path;

/// `grouped`: the ratio SLOs are grouped by a `channel` label (`group_by`, `sum by (channel)`).
pub(crate) fn generate(dir: &Path, services: usize, slos_per_service: usize, grouped: bool) {
    let teams = (services / 10).max(1);
    let mut t = String::new();
    for i in 0..teams {
        t += &format!(
            "---\napiVersion: rely/v1\nkind: Team\nmetadata: {{name: team-{i}}}\nspec:\n  members: [{{name: Person {i}, email: p{i}@example.com}}]\n  notify:\n    page: [{{pagerduty: {{routing_key_file: /etc/am/pd-{i}.key}}}}]\n    ticket: [{{email: {{to: team-{i}@example.com}}}}]\n"
        );
    }
    std::fs::write(dir.join("teams.yaml"), t).unwrap();
    let mut c = String::new();
    for i in 0..teams {
        c += &format!(
            "---\napiVersion: rely/v1\nkind: Concern\nmetadata: {{name: concern-{i}}}\nspec:\n  title: Saturation of svc-{}\n  raised_by: team-{i}\n  status: accepted\n  criteria:\n    why_sre: It is a reliability property of the platform.\n    why_important: Users see errors when it saturates.\n    what_involved: Capacity planning and load shedding.\n  assessment: {{value: high, effort: medium, blockers: []}}\n  observed_by: [svc-{}-saturation]\n",
            i * 10,
            i * 10
        );
    }
    std::fs::write(dir.join("concerns.yaml"), c).unwrap();
    for s in 0..services {
        let mut y = format!(
            "apiVersion: rely/v1\nkind: Service\nmetadata: {{name: svc-{s}}}\nspec: {{owner: team-{}, tier: 2, runbook: \"https://runbooks.example.com/svc-{s}\"}}\n",
            s % teams
        );
        for k in 0..slos_per_service {
            let indicator = if k % 3 == 2 {
                format!(
                    "    latency: {{histogram: http_request_duration_seconds, selector: '{{job=\"svc-{s}\",route=\"r{k}\"}}', threshold: 0.3}}\n"
                )
            } else if grouped {
                format!(
                    "    ratio:\n      errors: sum by (channel) (rate(http_requests_total{{job=\"svc-{s}\",route=\"r{k}\",code=~\"5..\"}}[{{{{window}}}}]))\n      total: sum by (channel) (rate(http_requests_total{{job=\"svc-{s}\",route=\"r{k}\"}}[{{{{window}}}}]))\n"
                )
            } else {
                format!(
                    "    ratio:\n      errors: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"r{k}\",code=~\"5..\"}}[{{{{window}}}}]))\n      total: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"r{k}\"}}[{{{{window}}}}]))\n"
                )
            };
            let group_by = if grouped && k % 3 != 2 { "  group_by: [channel]\n" } else { "" };
            y += &format!(
                "---\napiVersion: rely/v1\nkind: SLO\nmetadata: {{name: svc-{s}-slo-{k}}}\nspec:\n  service: svc-{s}\n  objective: 99.9\n{group_by}  indicator:\n{indicator}  alerting: {{}}\n"
            );
        }
        y += &format!(
            "---\napiVersion: rely/v1\nkind: Alert\nmetadata: {{name: svc-{s}-saturation}}\nspec:\n  service: svc-{s}\n  owner: team-{}\n  runbook: \"https://runbooks.example.com/svc-{s}\"\n  severity: ticket\n  expr: max(process_open_fds{{job=\"svc-{s}\"}}) / max(process_max_fds{{job=\"svc-{s}\"}}) > 0.8\n  for: 10m\n  summary: svc-{s} is running out of file descriptors\n",
            s % teams
        );
        std::fs::write(dir.join(format!("svc-{s}.yaml")), y).unwrap();
    }
}
