"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
//# sourceMappingURL=edition.types.js.map