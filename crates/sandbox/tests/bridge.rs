//! The tool bridge and program results on both backends, with an in-test
//! tool host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{run, sandbox, settings};
use serde_json::json;
use vtcode_sandbox::{Backend, ExecStatus, Language, Mounts, OutputLine, OutputSink};

const T: Duration = Duration::from_secs(10);

async fn bridge_suite(backend: Backend) {
    let mounts = Mounts::default();
    let sb = sandbox(backend, settings(backend, mounts.clone())).await;

    // Python: echo round trip, the last expression is the result.
    let r = run(&sb, Language::Python, "import _vtcode\nx = _vtcode.call_tool('test', 'echo', {'a': [1, 2]})\nprint('got', x['a'])\nx", T, &mounts).await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    assert_eq!(r.stdout, "got [1, 2]\n");
    assert_eq!(r.result, Some(json!({"a": [1, 2]})));
    assert_eq!(r.tool_calls.len(), 1);
    assert!(r.tool_calls[0].ok && r.tool_calls[0].tool == "echo");

    // A `result` variable wins over the last expression.
    let r = run(
        &sb,
        Language::Python,
        "result = {'n': 3}\n1 + 1",
        T,
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!({"n": 3})), "{r:?}");

    // A failing tool raises ToolError with the tool's message.
    let code = "from _vtcode import call_tool, ToolError\ntry:\n    call_tool('test', 'fail', {})\nexcept ToolError as e:\n    result = 'caught: ' + str(e)";
    let r = run(&sb, Language::Python, code, T, &mounts).await;
    assert_eq!(
        r.result,
        Some(json!("caught: the repository is archived")),
        "{r:?}"
    );
    assert!(!r.tool_calls[0].ok);

    // An uncaught error is the program's error, with a traceback.
    let r = run(
        &sb,
        Language::Python,
        "import _vtcode\n_vtcode.call_tool('test', 'fail', {})",
        T,
        &mounts,
    )
    .await;
    assert_eq!(r.status, ExecStatus::Error);
    assert!(
        r.stderr.contains("ToolError: the repository is archived"),
        "{}",
        r.stderr
    );

    // A slow tool past the per-call timeout (5 s) fails the call and says so.
    let code = "import _vtcode\ntry:\n    _vtcode.call_tool('test', 'sleep', {'ms': 7000})\nexcept _vtcode.ToolError as e:\n    result = str(e)";
    let r = run(&sb, Language::Python, code, T, &mounts).await;
    let msg = r.result.clone().unwrap().as_str().unwrap().to_string();
    assert!(msg.contains("per-call tool timeout"), "{msg}");
    // Inside a shorter execution timeout, the execution timeout fires.
    let r = run(
        &sb,
        Language::Python,
        "import _vtcode\n_vtcode.call_tool('test', 'sleep', {'ms': 5000})",
        Duration::from_secs(2),
        &mounts,
    )
    .await;
    assert_eq!(r.status, ExecStatus::Timeout, "{r:?}");

    // JavaScript: concurrent calls through Promise.all overlap.
    let code = "const { call_tool } = require('_vtcode');\nconst t0 = Date.now();\nconst rs = await Promise.all([1, 2, 3, 4].map(i => call_tool('test', 'sleep', { ms: 800 })));\nconsole.log('n', rs.length);\nresult = { n: rs.length, ms: Date.now() - t0 };";
    let started = Instant::now();
    let r = run(&sb, Language::Javascript, code, T, &mounts).await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    assert_eq!(r.result.as_ref().unwrap()["n"], json!(4));
    assert!(
        r.result.as_ref().unwrap()["ms"].as_u64().unwrap() < 2000,
        "calls ran one after another: {r:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(r.tool_calls.len(), 4);

    // JS: a failing tool rejects with an Error named ToolError; completion value is the result.
    let code = "const v = require('_vtcode');\nlet name;\ntry { await v.call_tool('test', 'fail', {}); } catch (e) { name = e.name + ': ' + e.message; }\nname";
    let r = run(&sb, Language::Javascript, code, T, &mounts).await;
    assert_eq!(
        r.result,
        Some(json!("ToolError: the repository is archived")),
        "{r:?}"
    );
    let r = run(
        &sb,
        Language::Javascript,
        "const a = [1, 2, 3];\na.map(x => x * 2)",
        T,
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!([2, 4, 6])), "{r:?}");

    // Lines reach the output sink while the program still runs.
    let seen = Arc::new(Mutex::new(Vec::<(Instant, OutputLine)>::new()));
    let sink_seen = Arc::clone(&seen);
    let sink: OutputSink =
        Arc::new(move |line| sink_seen.lock().unwrap().push((Instant::now(), line)));
    let request = common::request(
        Language::Python,
        "import sys, time\nprint('first')\ntime.sleep(1)\nprint('second')\nsys.stderr.write('warn\\n')",
        T,
        &mounts,
    );
    let r = sb
        .execute(request, Arc::new(common::TestHost), Some(sink))
        .await
        .unwrap();
    let finished = Instant::now();
    let seen = seen.lock().unwrap().clone();
    let lines: Vec<OutputLine> = seen.iter().map(|(_, l)| l.clone()).collect();
    assert_eq!(
        lines,
        vec![
            OutputLine::Stdout("first".into()),
            OutputLine::Stdout("second".into()),
            OutputLine::Stderr("warn".into())
        ],
        "{r:?}"
    );
    assert!(
        finished - seen[0].0 >= Duration::from_millis(800),
        "the first line arrived only at the end"
    );

    // No state leaks between executions.
    run(
        &sb,
        Language::Python,
        "import os\nos.environ['LEAK'] = '1'\nleak = 1",
        T,
        &mounts,
    )
    .await;
    let r = run(
        &sb,
        Language::Python,
        "import os\n[os.environ.get('LEAK'), 'leak' in globals()]",
        T,
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!([null, false])), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_process_backend() {
    bridge_suite(Backend::Process).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridge_docker_backend() {
    bridge_suite(Backend::Docker).await;
}
