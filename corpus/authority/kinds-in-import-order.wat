;;! id = "authority.kinds-in-import-order"
;;! guarantee = "AUTH-02"
;;! since = "0.1.0"
;;! summary = "a global, functions, a table and another global denied: all named in the module's import order, not grouped by kind"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::base", "wasi_snapshot_preview1::fd_write", "yoi:tool::table", "env::abort", "yoi:tool::counter"], count = 5 }
;; Found by `cargo xtask fuzz --differential` (seed 105 and others of the denied family): an
;; engine that lists a module's imports functions first (wasmi's `Module::imports` does) names
;; the global and the table after every function, so `details.imports` is in the wrong order.
;; SPEC section 4 orders them as the module does, whatever their kind.
(module
  (import "env" "base" (global i32))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (import "yoi:tool" "table" (table 1 funcref))
  (import "env" "abort" (func))
  (import "yoi:tool" "counter" (global (mut i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $input_len))))
