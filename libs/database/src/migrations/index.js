"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MIGRATIONS = void 0;
const _1764270000000_initial_schema_1 = require("./1764270000000-initial-schema");
/** Listed explicitly (not globbed) so the same list works from ts sources under Jest and from dist. */
exports.MIGRATIONS = [_1764270000000_initial_schema_1.InitialSchema1764270000000];
//# sourceMappingURL=index.js.map