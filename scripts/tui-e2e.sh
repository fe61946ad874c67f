#!/usr/bin/env bash
# End-to-end check of the interactive UI in a real terminal (tmux).
#
# Usage: scripts/tui-e2e.sh PATH/TO/vtcode
#
# Starts the scripted OpenAI-compatible server (tests/fixtures/llm) and a
# project whose vtcode.toml points the model at it and configures a real MCP
# server (mcp-server-time from the test venv). Then, in a tmux pane, it runs
# the binary, waits for the first frame, sends a prompt and checks the
# streamed answer and the tool card, opens /help and checks the command list,
# then answers the real approval modal for a destructive tool a program calls
# (the guarded fixture server, which records each call it really gets): `n`
# with a reason leaves it uncalled and the program reads the reason, `y`
# calls it exactly once. It quits with /exit and checks the terminal was restored (exit status 0,
# alternate screen left, cursor visible, canonical mode and echo back on).
#
# Needs: tmux, and the test venv (scripts/setup-venv.sh) or VTCODE_TEST_PYTHON.
set -euo pipefail

fail() {
    echo "tui-e2e: FAIL: $*" >&2
    if [[ -n "${SESSION:-}" ]] && tmux has-session -t "$SESSION" 2>/dev/null; then
        echo "---- pane ----" >&2
        tmux capture-pane -p -t "$SESSION" >&2 || true
        echo "--------------" >&2
    fi
    exit 1
}

[[ $# -eq 1 ]] || { echo "usage: $0 PATH/TO/vtcode" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[[ -x "$BIN" ]] || fail "$1 is not an executable; build it first (cargo build -p vtcode-tui)"
command -v tmux >/dev/null || fail "tmux is not installed; install it (apt-get install tmux)"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${VTCODE_TEST_PYTHON:-$ROOT/.venv/bin/python}
[[ -x "$PYTHON" ]] || fail "no test Python at $PYTHON; run scripts/setup-venv.sh (or set VTCODE_TEST_PYTHON)"
"$PYTHON" -c 'import mcp_server_time' 2>/dev/null \
    || fail "mcp-server-time is missing from $PYTHON; run scripts/setup-venv.sh"
LLM_SERVER=$ROOT/tests/fixtures/llm/scripted_llm.py
[[ -f "$LLM_SERVER" ]] || fail "missing $LLM_SERVER"

WORK=$(mktemp -d)
# The process sandbox runs programs as an unprivileged user, which must be
# able to reach the project (and its SDK) through this directory.
chmod 755 "$WORK"
SESSION="vtcode-e2e-$$"
LLM_PID=""
cleanup() {
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    [[ -n "$LLM_PID" ]] && kill "$LLM_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The model first searches the catalog (served by the real MCP server), then
# answers; for the next two prompts it runs a program that deletes records.
cat >"$WORK/script.json" <<'JSON'
[
  {"text": "Let me look for a clock.", "tool_calls": [
    {"id": "call_1", "name": "search_tools", "arguments": {"query": "current time", "detail_level": "name"}}
  ]},
  {"text": "It is **noon** in Paris.", "usage": {"prompt_tokens": 120, "completion_tokens": 8}},
  {"tool_calls": [{"id": "call_2", "name": "execute_code", "arguments": {"language": "python",
    "code": "from servers.guarded import delete_records\nfrom _vtcode import ToolError\ntry:\n    print(delete_records(region='emea'))\nexcept ToolError as e:\n    print('tool error:', e)"}}]},
  {"text": "I left the records alone."},
  {"tool_calls": [{"id": "call_3", "name": "execute_code", "arguments": {"language": "python",
    "code": "from servers.guarded import delete_records\nprint(delete_records(region='emea'))"}}]},
  {"text": "The emea records are deleted."}
]
JSON

"$PYTHON" "$LLM_SERVER" --script "$WORK/script.json" --port 0 \
    --port-file "$WORK/port" --log "$WORK/requests.jsonl" >"$WORK/llm.out" 2>&1 &
LLM_PID=$!
for _ in $(seq 100); do
    [[ -s "$WORK/port" ]] && break
    kill -0 "$LLM_PID" 2>/dev/null || fail "the scripted LLM server exited: $(cat "$WORK/llm.out")"
    sleep 0.1
done
[[ -s "$WORK/port" ]] || fail "the scripted LLM server did not start within 10 s"
PORT=$(cat "$WORK/port")

PROJECT=$WORK/project
mkdir -p "$PROJECT" "$WORK/home"
cat >"$PROJECT/vtcode.toml" <<TOML
[llm]
provider = "openai"
model = "scripted-model"
base_url = "http://127.0.0.1:$PORT/v1"
api_key_env = "VTCODE_E2E_API_KEY"

[sandbox]
backend = "process"

[agent]
approval = "ask-writes"

[mcp.servers.time]
command = "$PYTHON"
args = ["-m", "mcp_server_time", "--local-timezone", "UTC"]

[mcp.servers.guarded]
command = "$PYTHON"
args = ["$ROOT/tests/fixtures/mcp/guarded_server.py", "$WORK/calls.txt"]
TOML
calls() { if [[ -f "$WORK/calls.txt" ]]; then wc -l <"$WORK/calls.txt"; else echo 0; fi; }

pane() { tmux capture-pane -p -t "$SESSION"; }

# wait_for TEXT SECONDS WHAT: waits until the pane shows TEXT.
wait_for() {
    local deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        pane | grep -qF -- "$1" && return 0
        sleep 0.2
    done
    fail "$3: \"$1\" did not appear within $2 s"
}

type_line() {
    tmux send-keys -t "$SESSION" -l -- "$1"
    tmux send-keys -t "$SESSION" Enter
}

tmux new-session -d -s "$SESSION" -x 120 -y 40 -c "$PROJECT" \
    env -i PATH="$PATH" TERM=xterm-256color HOME="$WORK/home" \
    VTCODE_E2E_API_KEY=e2e-key PS1='e2e$ ' bash --norc --noprofile
tmux set-option -t "$SESSION" remain-on-exit on >/dev/null

type_line "'$BIN'; echo VTCODE_EXIT=\$?"
wait_for "Ask for a change" 15 "first frame"
wait_for "mcp 2/2" 30 "both MCP servers ready"

type_line "what time is it in Paris?"
wait_for "It is noon in Paris." 60 "streamed answer"
pane | grep -qF "what time is it in Paris?" || fail "the prompt is not in the transcript"
pane | grep -qF "search_tools" || fail "no search_tools card in the transcript"
grep -q '"path":"/v1/chat/completions"' "$WORK/requests.jsonl" \
    || fail "the binary never called the scripted LLM server"

type_line "/help"
wait_for "Commands · Esc closes" 10 "/help"
for expected in "/tools [QUERY]" "/approval auto|ask-writes|ask-all" "/run python|javascript" "/exit"; do
    pane | grep -qF -- "$expected" || fail "/help does not list $expected"
done
tmux send-keys -t "$SESSION" Escape
sleep 0.3
pane | grep -qF "Commands · Esc closes" && fail "Esc did not close /help"

type_line "delete the emea records"
wait_for "Call this tool?" 60 "the approval modal for a program's tool call"
for expected in "guarded.delete_records" "destructive" '"region": "emea"'; do
    pane | grep -qF -- "$expected" || fail "the approval modal does not show $expected"
done
tmux send-keys -t "$SESSION" n
tmux send-keys -t "$SESSION" -l -- "keep them"
tmux send-keys -t "$SESSION" Enter
wait_for "I left the records alone." 60 "the answer after a denial"
pane | grep -qF "denied by the user: keep them" || fail "the program did not read the denial"
[[ $(calls) -eq 0 ]] || fail "n still called the tool ($(calls) calls)"

type_line "delete them now"
wait_for "Call this tool?" 60 "the second approval modal"
tmux send-keys -t "$SESSION" y
wait_for "The emea records are deleted." 60 "the answer after approval"
[[ $(calls) -eq 1 ]] || fail "y must call the tool exactly once, it was called $(calls) times"

type_line "/exit"
wait_for "VTCODE_EXIT=0" 10 "exit status after /exit"

[[ $(tmux display-message -p -t "$SESSION" '#{alternate_on}') == 0 ]] \
    || fail "the alternate screen is still on after exit"
[[ $(tmux display-message -p -t "$SESSION" '#{cursor_flag}') == 1 ]] \
    || fail "the cursor is still hidden after exit"
type_line 'echo "STTY: $(stty -a | tr " ;" "\n\n" | grep -x -e icanon -e -icanon -e echo -e -echo | tr "\n" " ")"'
wait_for "STTY: icanon echo" 5 "terminal modes after exit (raw mode must be off)"

echo "tui-e2e: ok (prompt answered, /help listed, approvals n and y obeyed, /exit restored the terminal)"
