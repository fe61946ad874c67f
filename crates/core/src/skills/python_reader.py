# Reads skill code sent by vtcode (crates/core/src/skills/python.rs): one
# JSON string per line in, one JSON report per line out. Never runs the code.
import ast, json, sys
def read(src):
    try:
        tree = ast.parse(src, "<skill>")
    except SyntaxError as e:
        return {"error": {"line": e.lineno or 1, "message": e.msg}}
    functions, tools, skills, aliases = [], [], [], {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            head = "async def " if isinstance(node, ast.AsyncFunctionDef) else "def "
            sig = head + node.name + "(" + ast.unparse(node.args) + ")"
            if node.returns is not None:
                sig += " -> " + ast.unparse(node.returns)
            functions.append({"name": node.name, "signature": sig, "doc": ast.get_docstring(node) or ""})
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "servers" and len(parts) in (2, 3):
                for a in node.names:
                    tools.append([parts[1], parts[2] if len(parts) == 3 else a.name])
            elif node.module == "servers":
                for a in node.names:
                    aliases[a.asname or a.name] = a.name
            elif parts[0] == "skills" and len(parts) >= 2:
                skills.append(parts[1])
            elif node.module == "skills":
                skills.extend(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "servers" and len(parts) == 2 and a.asname:
                    aliases[a.asname] = parts[1]
                elif parts[0] == "skills" and len(parts) >= 2:
                    skills.append(parts[1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            tools.append([aliases[node.value.id], node.attr])
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
              and isinstance(node.value.value, ast.Name) and node.value.value.id == "servers"):
            tools.append([node.value.attr, node.attr])
    return {"functions": functions, "tools": tools, "skills": skills}
for line in sys.stdin:
    try:
        report = read(json.loads(line))
    except Exception as e:
        report = {"failure": repr(e)}
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
