// The part of the WebAssembly JS API that distance-filter.ts uses: Node 20 has it, but @types/node 20
// does not declare it (TypeScript's own declaration lives in lib.dom, which a Node project leaves out).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, unknown>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    /** A SharedArrayBuffer for a shared memory: views made before a grow stay valid. */
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }
}
