//! The campaign report end to end: a campaign run against the sandbox, then
//! `switchboard report` through the binary, its HTML checked for every section, its
//! numbers checked against `switchboard status --json` for the same campaign, and the
//! page rendered by headless Chromium to a screenshot. And the API's
//! `GET /campaigns/{id}/report`, as HTML and as JSON.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::domain::{CallerIdPool, CampaignId, CampaignSettings, CampaignStatus, Variant};
use switchboard::sandbox::SandboxConfig;
use switchboard::store::NewLead;

const SECTIONS: [&str; 11] = [
    "summary",
    "outcomes",
    "over-time",
    "callee-hours",
    "areas",
    "caller-ids",
    "variants",
    "durations",
    "dispositions",
    "dnc",
    "settings",
];

fn variant(name: &str, weight: u32) -> Variant {
    Variant {
        name: name.into(),
        agent_name: String::new(),
        weight,
        prompt: None,
    }
}

/// Leads in New York, Chicago, San Francisco and London, some with their own zone.
fn leads() -> Vec<NewLead> {
    let mut leads = vec![];
    for (i, area) in ["212", "312", "415"].iter().enumerate() {
        for n in 0..14 {
            leads.push(NewLead {
                phone: format!("+1{area}555{:04}", 1000 + n),
                name: Some(format!("Lead {area}-{n}")),
                timezone: (i == 1).then(|| "America/Chicago".to_string()),
                ..NewLead::default()
            });
        }
    }
    for n in 0..8 {
        leads.push(NewLead {
            phone: format!("+44207946{:04}", 100 + n),
            name: Some(format!("London <{n}>")),
            timezone: Some("Europe/London".into()),
            ..NewLead::default()
        });
    }
    leads
}

/// A campaign run to its end against the sandbox's own mix of outcomes and
/// dispositions (`do_not_call` included), with two variants and a caller-ID pool.
/// Returns the database, with no engine running on it any more.
async fn run_campaign() -> (Harness, CampaignId) {
    let defaults = SandboxConfig::default();
    let sandbox = SandboxConfig {
        outcomes: defaults.outcomes,
        dispositions: defaults.dispositions,
        ..quick_sandbox()
    };
    let h = Harness::start(sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            variants: vec![variant("A", 50), variant("B", 50)],
            caller_ids: CallerIdPool::new(vec!["+12125550100".into(), "+13125550100".into()]),
            prompt: "You are calling about <their> renewal & more.".into(),
            ..settings("Spring <renewals>")
        })
        .await;
    h.leads(id, leads()).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    // Dispositions arrive after the callee leaves: wait until they stop coming.
    let (mut seen, mut steady_since) = (usize::MAX, Instant::now());
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && steady_since.elapsed() < Duration::from_millis(600) {
        let n = h
            .attempts(id)
            .await
            .iter()
            .filter(|a| a.disposition.is_some())
            .count();
        if n != seen {
            (seen, steady_since) = (n, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (h, id)
}

/// The binary with a scrubbed environment, on `db`.
fn switchboard(home: &Path, db: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    for var in common::scrubbed_env::SWITCHBOARD_ENV
        .iter()
        .chain(&["XDG_RUNTIME_DIR"])
    {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("SWITCHBOARD_RUNTIME_DIR", home.join("run"))
        .arg("--db")
        .arg(db)
        .timeout(Duration::from_secs(120));
    cmd
}

/// The exact value behind a headline figure: `data-figure="NAME" data-value="..."`.
fn figure(html: &str, name: &str) -> String {
    let key = format!("data-figure=\"{name}\" data-value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no figure {name} in the report"))
        + key.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is not a number: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_has_every_section_the_numbers_status_prints_and_renders_in_chromium() {
    let (mut h, id) = run_campaign().await;
    h.runtime.take().unwrap().shutdown(Duration::ZERO).await;
    let db = h.dir.path().join("engine.db");
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("report.html");

    switchboard(home.path(), &db)
        .args(["report", "--campaign", &id.0.to_string(), "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(&out).unwrap();
    let status = switchboard(home.path(), &db)
        .args(["status", "--campaign", &id.0.to_string(), "--json"])
        .assert()
        .success();
    let status: Value = serde_json::from_slice(&status.get_output().stdout).unwrap();
    let stats = &status[0]["stats"];

    // Every section, every chart, nothing fetched from anywhere.
    for section in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "no {section} section"
        );
    }
    assert!(html.matches("<svg ").count() >= 10, "the charts");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for fetching in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(
            !html.contains(fetching),
            "the page fetches nothing: {fetching}"
        );
    }
    let links: Vec<&str> = html.matches("http").collect();
    assert_eq!(
        links.len(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "no address but SVG's namespace"
    );
    // Names from the leads file and the settings are text, never markup.
    assert!(html.contains("Spring &lt;renewals&gt;"));
    assert!(html.contains("&lt;their&gt; renewal &amp; more"));
    assert!(!html.contains("<renewals>") && !html.contains("<their>"));
    // The groups the run produced.
    for label in [
        "+1 212",
        "+1 312",
        "+1 415",
        "+44 20",
        "+12125550100",
        "+13125550100",
    ] {
        assert!(html.contains(label), "no {label} in the report");
    }

    // The totals are the ones `status --json` prints for the same campaign.
    assert!(html.contains("data-figure=\"status\">completed<"));
    for (name, key) in [
        ("leads", "leads"),
        ("attempts", "attempts"),
        ("calls-answered", "callsAnswered"),
        ("calls-decided", "callsDecided"),
        ("attempts-today", "attemptsToday"),
    ] {
        assert_eq!(
            number(&figure(&html, name)),
            stats[key].as_f64().unwrap(),
            "{name}: report against status --json"
        );
    }
    for (name, key) in [
        ("answer-rate", "answerRate"),
        ("avg-ring-secs", "avgRingSecs"),
        ("avg-talk-secs", "avgTalkSecs"),
    ] {
        let expected = stats[key].as_f64().expect(key);
        assert_eq!(number(&figure(&html, name)), expected, "{name}");
    }
    assert!(stats["callsDecided"].as_u64().unwrap() > 20, "{stats}");
    let answer_rate = stats["answerRate"].as_f64().unwrap();
    assert!(answer_rate > 0.0 && answer_rate < 1.0, "a mix: {stats}");
    for (outcome, n) in stats["attemptsByOutcome"].as_object().unwrap() {
        let key = format!("data-outcome=\"{outcome}\">");
        let at = html
            .find(&key)
            .unwrap_or_else(|| panic!("no {outcome} row"))
            + key.len();
        let shown = &html[at..at + html[at..].find('<').unwrap()];
        assert_eq!(
            number(&shown.replace(',', "")),
            n.as_f64().unwrap(),
            "{outcome}"
        );
    }
    let verdict = status[0]["stats"]["variants"]["verdict"].as_str().unwrap();
    let verdict_html = verdict.replace('&', "&amp;").replace('\'', "&#39;");
    assert!(html.contains(&verdict_html), "the A/B verdict: {verdict}");

    // A person's view: Chromium draws it.
    let Some(png) = screenshot(&out, home.path()) else {
        return;
    };
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        bytes.len() > 60 * 1024,
        "a 1200x3000 page of tables and charts is more than a blank page: {} bytes",
        bytes.len()
    );
    if std::env::var_os("SWITCHBOARD_TEST_KEEP").is_some() {
        let kept = std::env::temp_dir().join("switchboard-report");
        std::fs::copy(&png, kept.with_extension("png")).unwrap();
        std::fs::copy(&out, kept.with_extension("html")).unwrap();
        eprintln!(
            "report and screenshot kept at {}.{{html,png}}",
            kept.display()
        );
    }
}

/// Debian's `chromium`, or another Chromium on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// Renders `html` in headless Chromium at 1200x3000 and returns the PNG's path; `None`
/// (loudly) when Chromium is not installed outside CI. In CI (`CI` set) a missing
/// Chromium fails the test: `.ci/run` installs it.
fn screenshot(html: &Path, dir: &Path) -> Option<PathBuf> {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed, and CI must render the report: .ci/run installs it \
             (apt-get install chromium)"
        );
        eprintln!(
            "\n*** SKIPPED the Chromium screenshot of the report: chromium is not installed \
             (apt-get install chromium). CI installs it and runs this part. ***\n"
        );
        return None;
    };
    let png = dir.join("report.png");
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--window-size=1200,3000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join("chromium").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .env("HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish the screenshot within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert!(
        status.success() && png.is_file(),
        "chromium failed ({status}): {stderr}"
    );
    Some(png)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_serves_the_report_as_html_and_as_json() {
    let mut sandbox = quick_sandbox();
    sandbox.outcomes = SandboxConfig::default().outcomes;
    let api = api::start_on(sandbox, None).await.expect("the engine host");
    let created = api
        .post(
            "/campaigns",
            json!({
                "name": "Report",
                "agentName": "test-agent",
                "sipTrunkId": "ST_sandbox",
                "maxConcurrent": 4,
                "callDelay": 0,
                "retryFailed": false,
                "callingWindow": "00:00-23:59",
                "timezone": "UTC",
            }),
        )
        .await;
    let id = created.data()["id"].as_i64().unwrap();
    let leads: Vec<Value> = (0..16)
        .map(|i| json!({ "phoneNumber": format!("+1212555{:04}", 2000 + i) }))
        .collect();
    api.post(
        &format!("/campaigns/{id}/leads/bulk"),
        json!({ "leads": leads }),
    )
    .await
    .data();
    api.post(&format!("/campaigns/{id}/start"), json!({}))
        .await
        .data();
    api.until(&format!("/campaigns/{id}/status"), "the run's end", |c| {
        c["status"] == "completed"
    })
    .await;
    let stats = api
        .get(&format!("/campaigns/{id}/stats"))
        .await
        .data()
        .clone();

    let url = |query: &str| format!("http://engine/api/v1/campaigns/{id}/report{query}");
    let page = api.http.get(url("")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    for section in SECTIONS.iter().filter(|s| **s != "variants") {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert_eq!(
        number(&figure(&html, "attempts")),
        stats["attempts"].as_f64().unwrap()
    );
    assert_eq!(
        number(&figure(&html, "calls-answered")),
        stats["callsAnswered"].as_f64().unwrap()
    );

    let data = api
        .get(&format!("/campaigns/{id}/report?format=json"))
        .await;
    let report = data.data();
    let totals = &report["status"]["stats"];
    // One record, one set of names: the report's totals are `/stats` itself.
    for key in [
        "attempts",
        "callsAnswered",
        "callsDecided",
        "answerRate",
        "avgRingSecs",
        "avgTalkSecs",
    ] {
        assert_eq!(totals[key], stats[key], "{key}");
    }
    // The breakdowns add up to the totals.
    let hours = report["breakdown"]["hours"].as_array().unwrap();
    let sum = |key: &str| -> u64 { hours.iter().map(|h| h["rate"][key].as_u64().unwrap()).sum() };
    assert_eq!(sum("answered"), stats["callsAnswered"].as_u64().unwrap());
    assert_eq!(sum("decided"), stats["callsDecided"].as_u64().unwrap());
    let areas = report["breakdown"]["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 1, "{areas:?}");
    assert_eq!(areas[0]["label"], "+1 212");
    assert_eq!(areas[0]["attempts"], stats["attempts"]);

    let missing = api.get("/campaigns/999/report").await;
    assert!(missing
        .error(reqwest::StatusCode::NOT_FOUND)
        .contains("999"));
    let bad = api.get(&format!("/campaigns/{id}/report?format=pdf")).await;
    bad.error(reqwest::StatusCode::BAD_REQUEST);
    api.stop().await;
}
