// The bridge as an ES module (`import * as _vtcode from "_vtcode"`); the
// same instance the CommonJS `require('_vtcode')` returns.
import bridge from './_vtcode.js';

export const { ToolError, call_tool, callTool } = bridge;
export default bridge;
