//! Connections to MCP servers, and the server side of `vtcode mcp serve`.
