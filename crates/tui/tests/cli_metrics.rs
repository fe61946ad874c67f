//! `vtcode metrics` and `vtcode insights` end to end: the real binary, the
//! scripted model, real MCP servers (mcp-server-time and the flaky fixture),
//! a real SQLite database, `promtool` and a real Prometheus server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::{Project, ScriptedLlm, repo_root, stderr, stdout, venv_bin};
use serde_json::{Value, json};

fn project(extra: &str) -> Project {
    let python = venv_bin().join("python");
    let flaky = repo_root().join("tests/fixtures/mcp/flaky_lookup.py");
    Project::with_config(&format!(
        "[llm]\nmodel = \"scripted-model\"\napi_key_env = \"VTCODE_TEST_KEY\"\n\n\
         [sandbox]\nbackend = \"process\"\n\n\
         [mcp.servers.time]\ncommand = {:?}\n\n\
         [mcp.servers.flaky]\ncommand = {:?}\nargs = [{:?}]\n{extra}",
        venv_bin().join("mcp-server-time").display().to_string(),
        python.display().to_string(),
        flaky.display().to_string(),
    ))
}

/// Runs `vtcode exec` against a scripted model; returns its stdout.
fn exec(project: &Project, script: Value, extra_args: &[&str], log: Option<&Path>) -> String {
    let llm = ScriptedLlm::start_logged(project, script, log);
    let url = format!("llm.base_url={}", llm.base_url());
    let mut args = vec!["-c", &url];
    args.extend_from_slice(extra_args);
    args.extend(["exec", "--json", "what time is noon UTC in Tokyo?"]);
    let out = project
        .command(&args)
        .env("VTCODE_TEST_KEY", "test-key")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// Two programs (one succeeds, one passes a bad timezone) after a search.
fn time_session() -> Value {
    json!([
        {"tool_calls": [{"name": "search_tools", "arguments": {"query": "convert time between timezones"}}]},
        {"tool_calls": [{"name": "execute_code", "arguments": {"language": "python", "code":
            "from servers.time import convert_time\nconvert_time(source_timezone='UTC', time='12:00', target_timezone='Asia/Tokyo')['target']['datetime'][11:16]"}}]},
        {"tool_calls": [{"name": "execute_code", "arguments": {"language": "python", "code":
            "from servers.time import convert_time\nconvert_time(source_timezone='UTC', time='12:00', target_timezone='Mars/Olympus')"}}]},
        {"text": "Noon UTC is 21:00 in Tokyo."}
    ])
}

fn json_of(project: &Project, args: &[&str]) -> Value {
    let out = project.vtcode(args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `promtool check metrics` on `text`; returns its complaints.
fn promtool(text: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus, scripts/setup-system.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!("{}{}", stdout(&out), stderr(&out));
    (out.status.success(), said)
}

#[test]
fn a_session_against_a_real_server_is_what_show_and_export_report() {
    let project = project("");
    // The model's first answer is a 503: the request is sent again.
    let mut script = time_session();
    script
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"status": 503}));
    exec(&project, script, &[], None);

    let summary = json_of(&project, &["metrics", "show", "--json", "--since", "all"]);
    let executions = &summary["executions"];
    assert_eq!(executions["total"], 2, "{summary:#}");
    assert_eq!(executions["ok"], 1, "{summary:#}");
    assert_eq!(executions["success_rate"], 0.5);
    assert!(executions["p95_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["tokens"]["llm_requests"], 4);
    assert_eq!(summary["tokens"]["llm_retries"], 1, "{summary:#}");
    assert_eq!(summary["tokens"]["turns"], 1);
    assert!(summary["tokens"]["input_tokens"].as_u64().unwrap() > 0);
    assert!(summary["tokens"]["tool_bytes"].as_u64().unwrap() > 0);
    assert_eq!(summary["discovery"]["searches"], 1);
    assert_eq!(
        summary["discovery"]["hit_rate"], 1.0,
        "the found tool was used"
    );
    assert!(summary["sdk"]["generations"].as_u64().unwrap() >= 1);
    let top = &summary["top_tools"][0];
    assert_eq!(top["tool"], "time.convert_time");
    assert_eq!(top["calls"], 2);
    assert_eq!(top["errors"], 1);
    let failure = &summary["failures"][0];
    assert_eq!(failure["tool"], "time.convert_time");
    assert!(
        !failure["error"].as_str().unwrap().contains("Mars"),
        "values are blanked: {failure}"
    );

    let text = stdout(&project.vtcode(&["metrics", "show", "--since", "1h"]));
    assert!(text.contains("executions  2  success 50.0 %"), "{text}");
    assert!(text.contains("time.convert_time"), "{text}");
    assert!(
        text.contains("latency    ▁█") || text.contains("latency    █▁"),
        "{text}"
    );

    let export = stdout(&project.vtcode(&["metrics", "export", "--format", "prometheus"]));
    assert!(
        export.contains(
            "vtcode_mcp_calls_total{server=\"time\",tool=\"convert_time\",path=\"bridge\",outcome=\"ok\"} 1"
        ),
        "{export}"
    );
    assert!(
        export.contains(
            "vtcode_execution_duration_seconds_bucket{language=\"python\",le=\"+Inf\"} 2"
        )
    );
    assert!(export.contains("vtcode_turns_total 1"), "{export}");
    assert!(
        export.contains("vtcode_llm_retries_total{model=\"scripted-model\"} 1"),
        "{export}"
    );
    let (valid, said) = promtool(&export);
    assert!(
        valid && said.trim().is_empty(),
        "promtool: {said}\n{export}"
    );
    // The control: promtool does object to a counter without `_total`.
    let (valid, said) = promtool(&export.replace("vtcode_turns_total", "vtcode_turns"));
    assert!(
        !valid || !said.trim().is_empty(),
        "promtool accepted a bad name"
    );

    let json = json_of(&project, &["metrics", "export", "--format", "json"]);
    assert_eq!(json["schema"], "vtcode.metrics/1");
    let executions = json["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "vtcode_executions_total")
        .unwrap();
    assert_eq!(executions["type"], "counter");
    let total: f64 = executions["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_f64().unwrap())
        .sum();
    assert_eq!(total, 2.0);

    // No argument value reached the database.
    let store = vtcode_core::store::Store::open(project.path().join(".vtcode/vtcode.db")).unwrap();
    let bodies: Vec<String> = store
        .with_conn(|conn| {
            let mut q = conn.prepare("SELECT body || COALESCE(error, '') FROM metric_events")?;
            let rows = q.query_map([], |row| row.get(0))?;
            rows.collect()
        })
        .unwrap();
    assert!(bodies.iter().any(|b| b.contains("target_timezone")));
    assert!(
        bodies
            .iter()
            .all(|b| !b.contains("Mars/Olympus") && !b.contains("Asia/Tokyo")),
        "{bodies:#?}"
    );
}

#[test]
fn metrics_disabled_records_nothing() {
    let project = project("\n[metrics]\nenabled = false\n");
    exec(&project, time_session(), &[], None);
    let summary = json_of(&project, &["metrics", "show", "--json", "--since", "all"]);
    assert_eq!(summary["events"], 0, "{summary:#}");
    // The same session with metrics on records it (the control).
    exec(
        &project,
        time_session(),
        &["-c", "metrics.enabled=true"],
        None,
    );
    let summary = json_of(&project, &["metrics", "show", "--json", "--since", "all"]);
    assert_eq!(summary["executions"]["total"], 2, "{summary:#}");
}

/// A program that calls the flaky tool wrong four times, then right.
const FLAKY_PROGRAM: &str = "from servers.flaky import lookup_order\nfrom _vtcode import ToolError\n\
for order in ['A-1001', 'B-2002', 'C-3003', 'D-4004']:\n    try:\n        lookup_order(order_id=order)\n    except ToolError as e:\n        print('failed:', e)\n\
print(lookup_order(order_id='D-4004', region='amer'))\n";

#[test]
fn insights_from_a_tool_that_keeps_failing_reach_the_user_and_the_model() {
    let project = project("");
    let out = project.vtcode(&["run", "--code", FLAKY_PROGRAM]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("failed:").count(),
        4,
        "{}",
        stdout(&out)
    );
    // `vtcode run` records its program like one the model runs.
    let summary = json_of(&project, &["metrics", "show", "--json", "--since", "all"]);
    assert_eq!(summary["executions"]["total"], 1, "{summary:#}");
    assert_eq!(summary["executions"]["ok"], 1, "{summary:#}");

    let insights = json_of(&project, &["insights", "--json"]);
    let tool = &insights["tools"][0];
    assert_eq!(tool["name"], "flaky.lookup_order", "{insights:#}");
    assert_eq!(tool["uses"], 5);
    assert_eq!(tool["failures"], 4);
    let pattern = &insights["failure_patterns"][0];
    assert_eq!(
        pattern["count"], 4,
        "four messages differing in values group: {insights:#}"
    );
    let error = pattern["error"].as_str().unwrap();
    assert!(error.contains("not found in region"), "{error}");
    assert!(
        !error.contains("A-1001") && !error.contains("D-4004"),
        "{error}"
    );
    assert_eq!(insights["recoveries"][0]["changed"], json!(["region"]));
    let failing = insights["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "failing_tool")
        .expect("a failing-tool recommendation");
    assert_eq!(failing["subject"], "flaky.lookup_order");

    let text = stdout(&project.vtcode(&["insights"]));
    assert!(
        text.contains("flaky.lookup_order: Order '…' not found in region emea (code N) ×4"),
        "{text}"
    );

    // The next session's system prompt carries the lesson.
    let log = project.path().join("requests.jsonl");
    exec(&project, json!([{"text": "ok"}]), &[], Some(&log));
    let request: Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let system = request.to_string();
    assert!(system.contains("Lessons from earlier sessions"), "{system}");
    assert!(
        system.contains("it worked after changing region"),
        "{system}"
    );
}

/// A GET over plain TCP; returns the status line's code and the body.
fn http_get(address: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_string()))
}

fn free_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_real_prometheus_scrapes_the_served_endpoint() {
    let project = project("");
    let out = project.vtcode(&["run", "--code", FLAKY_PROGRAM]);
    assert!(out.status.success(), "{}", stderr(&out));

    let listen = free_address();
    let _server = Reaped(
        project
            .command(&["metrics", "serve", "--listen", &listen])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let body = wait_for("vtcode metrics serve", Duration::from_secs(20), || {
        http_get(&listen, "/metrics").filter(|(code, _)| *code == 200)
    })
    .1;
    let (valid, said) = promtool(&body);
    assert!(valid && said.trim().is_empty(), "promtool: {said}");
    assert_eq!(http_get(&listen, "/elsewhere").unwrap().0, 404);

    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: vtcode\n    static_configs:\n      - targets: ['{listen}']\n"
        ),
    )
    .unwrap();
    let web = free_address();
    let _prometheus = Reaped(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian package prometheus, scripts/setup-system.sh)"),
    );
    let query = "/api/v1/query?query=vtcode_mcp_calls_total%7Btool%3D%22lookup_order%22%2Coutcome%3D%22error%22%7D";
    let answer: Value = wait_for(
        "Prometheus to scrape vtcode",
        Duration::from_secs(60),
        || {
            let (code, body) = http_get(&web, query)?;
            let answer: Value = serde_json::from_str(&body).ok()?;
            let found = code == 200 && !answer["data"]["result"].as_array()?.is_empty();
            found.then_some(answer)
        },
    );
    let sample = &answer["data"]["result"][0];
    assert_eq!(sample["metric"]["server"], "flaky");
    assert_eq!(sample["metric"]["job"], "vtcode");
    assert_eq!(sample["value"][1], "4", "{answer}");
}
