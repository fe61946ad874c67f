//! The tool bridge and program results on both backends, with an in-test
//! tool host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{js, py, run, sandbox, settings};
use serde_json::json;
use vtcode_sandbox::{Backend, ExecStatus, Language, Mounts, OutputLine, OutputSink};

const T: Duration = Duration::from_secs(10);

async fn bridge_suite(backend: Backend) {
    let mounts = Mounts::default();
    let sb = sandbox(backend, settings(backend, mounts.clone())).await;

    // Python: echo round trip, the last expression is the result.
    let r = py(&sb, "import _vtcode\nx = _vtcode.call_tool('test', 'echo', {'a': [1, 2]})\nprint('got', x['a'])\nx", &mounts).await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    assert_eq!(r.stdout, "got [1, 2]\n");
    assert_eq!(r.result, Some(json!({"a": [1, 2]})));
    assert_eq!(r.tool_calls.len(), 1);
    assert!(r.tool_calls[0].ok && r.tool_calls[0].tool == "echo");

    // A `result` variable wins over the last expression.
    let r = py(&sb, "result = {'n': 3}\n1 + 1", &mounts).await;
    assert_eq!(r.result, Some(json!({"n": 3})), "{r:?}");

    // A failing tool raises ToolError with the tool's message.
    let code = "from _vtcode import call_tool, ToolError\ntry:\n    call_tool('test', 'fail', {})\nexcept ToolError as e:\n    result = 'caught: ' + str(e)";
    let r = py(&sb, code, &mounts).await;
    assert_eq!(
        r.result,
        Some(json!("caught: the repository is archived")),
        "{r:?}"
    );
    assert!(!r.tool_calls[0].ok);

    // An uncaught error is the program's error, with a traceback.
    let r = py(
        &sb,
        "import _vtcode\n_vtcode.call_tool('test', 'fail', {})",
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
    let r = py(&sb, code, &mounts).await;
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
    assert!(
        r.stderr
            .contains("timed out after 2.0s while waiting for tool test.sleep"),
        "{}",
        r.stderr
    );

    // JavaScript: concurrent calls through Promise.all overlap.
    let code = "const { call_tool } = require('_vtcode');\nconst t0 = Date.now();\nconst rs = await Promise.all([1, 2, 3, 4].map(i => call_tool('test', 'sleep', { ms: 800 })));\nconsole.log('n', rs.length);\nresult = { n: rs.length, ms: Date.now() - t0 };";
    let started = Instant::now();
    let r = js(&sb, code, &mounts).await;
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
    let r = js(&sb, code, &mounts).await;
    assert_eq!(
        r.result,
        Some(json!("ToolError: the repository is archived")),
        "{r:?}"
    );
    let r = js(&sb, "const a = [1, 2, 3];\na.map(x => x * 2)", &mounts).await;
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

    // Large programs and multi-byte output survive the trip.
    let code = format!("// {}\n'é'.repeat(70000).length", "x".repeat(150_000));
    let r = js(&sb, &code, &mounts).await;
    assert_eq!(r.result, Some(json!(70000)), "{}", r.stderr);
    let r = py(&sb, "print('é' * 30000)", &mounts).await;
    assert!(
        r.stdout == format!("{}\n", "é".repeat(30000)),
        "{:?}: {} bytes",
        r.status,
        r.stdout.len()
    );

    // No state leaks between executions.
    py(
        &sb,
        "import os\nos.environ['LEAK'] = '1'\nleak = 1",
        &mounts,
    )
    .await;
    let r = py(
        &sb,
        "import os\n[os.environ.get('LEAK'), 'leak' in globals()]",
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!([null, false])), "{r:?}");

    // JavaScript too: each program gets a fresh Node (a spare booted before
    // it was needed), so globals, the environment and the module cache of
    // one program are gone for the next, whether it found a spare ready or
    // arrived while the replacement still booted.
    let first = js(
        &sb,
        "globalThis.leak = 1; process.env.LEAK = '1'; require('_vtcode').marked = true; process.pid",
        &mounts,
    )
    .await;
    assert_eq!(first.status, ExecStatus::Ok, "{first:?}");
    for pause in [Duration::ZERO, Duration::from_secs(2)] {
        tokio::time::sleep(pause).await;
        let r = js(
            &sb,
            "[typeof leak, process.env.LEAK || null, require('_vtcode').marked || null, process.pid]",
            &mounts,
        )
        .await;
        let got = r.result.clone().unwrap();
        let got = got.as_array().unwrap();
        assert_eq!(
            got[..3],
            [json!("undefined"), json!(null), json!(null)],
            "{r:?}"
        );
        assert_ne!(
            Some(&got[3]),
            first.result.as_ref(),
            "the same process ran twice"
        );
    }

    // Python threads and coroutines share the bridge: every reply reaches
    // the caller that asked for it, none hangs.
    let code = "import asyncio, concurrent.futures, _vtcode\ndef one(i):\n    return _vtcode.call_tool('test', 'echo', {'i': i})['i']\nwith concurrent.futures.ThreadPoolExecutor(10) as pool:\n    threads = list(pool.map(one, range(10)))\nasync def gathered():\n    return await asyncio.gather(*[_vtcode.call_tool_async('test', 'echo', {'i': i}) for i in range(10)])\nasync def to_thread():\n    return await asyncio.gather(*[asyncio.to_thread(one, i) for i in range(10)])\nresult = [threads, [r['i'] for r in asyncio.run(gathered())], asyncio.run(to_thread())]";
    let r = py(&sb, code, &mounts).await;
    let expected: Vec<u64> = (0..10).collect();
    assert_eq!(
        r.result,
        Some(json!([expected, expected, expected])),
        "{r:?}"
    );
    assert_eq!(r.tool_calls.len(), 30);
    sb.shutdown().await;
}

/// A hand-written SDK at /sdk is importable, its calls go through the bridge,
/// /state persists between executions and a writable workspace takes writes.
async fn mounts_suite(backend: Backend) {
    let sdk = tempfile::tempdir().unwrap();
    let py_pkg = sdk.path().join("python/servers/echo");
    let pkg = sdk.path().join("javascript/servers/echo");
    std::fs::create_dir_all(&py_pkg).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(py_pkg.join("__init__.py"), "import _vtcode\n\ndef echo(**kwargs):\n    return _vtcode.call_tool('test', 'echo', kwargs)\n").unwrap();
    // As the generated SDK writes it: ES modules, one file per tool.
    std::fs::write(pkg.join("echo.js"), "import * as _vtcode from \"_vtcode\";\nexport function echo(args) {\n  return _vtcode.call_tool('test', 'echo', args);\n}\n").unwrap();
    std::fs::write(
        pkg.join("index.js"),
        "export { echo } from \"./echo.js\";\n",
    )
    .unwrap();
    let ws = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    if nix::unistd::geteuid().is_root() {
        // The project belongs to an ordinary user, as on a workstation.
        let nobody = Some(nix::unistd::Uid::from_raw(65534));
        nix::unistd::chown(ws.path(), nobody, Some(nix::unistd::Gid::from_raw(65534))).unwrap();
    }
    let mounts = Mounts {
        workspace: Some(ws.path().to_path_buf()),
        workspace_writable: true,
        state: Some(state.path().to_path_buf()),
        sdk: Some(sdk.path().to_path_buf()),
        skills: None,
    };
    let sb = sandbox(backend, settings(backend, mounts.clone())).await;
    let (state_dir, ws_dir) = if backend == Backend::Docker {
        ("/state".to_string(), "/workspace".to_string())
    } else {
        (
            state.path().display().to_string(),
            ws.path().display().to_string(),
        )
    };

    let r = py(
        &sb,
        "from servers.echo import echo\nresult = echo(text='hi')",
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!({"text": "hi"})), "{r:?}");
    let r = js(
        &sb,
        "import { echo } from \"servers/echo/index.js\";\nimport * as bridge from \"_vtcode\";\nconst again = await bridge.call_tool('test', 'echo', { n: 1 });\nawait echo({ text: 'hi', again })",
        &mounts,
    )
    .await;
    assert_eq!(
        r.result,
        Some(json!({"text": "hi", "again": {"n": 1}})),
        "{r:?}"
    );

    let code = format!(
        "open('{state_dir}/counter', 'w').write('7')\nopen('{ws_dir}/out.txt', 'w').write('done')"
    );
    let r = py(&sb, &code, &mounts).await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    let r = run(
        &sb,
        Language::Python,
        &format!("int(open('{state_dir}/counter').read())"),
        T,
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!(7)), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("out.txt")).unwrap(),
        "done"
    );
    sb.shutdown().await;
}

on_both_backends!(mounts_suite: mounts_process_backend, mounts_docker_backend);

on_both_backends!(bridge_suite: bridge_process_backend, bridge_docker_backend);
