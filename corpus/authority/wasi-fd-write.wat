;;! id = "authority.wasi-fd-write"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI fd_write and prints to stdout with it"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::fd_write"] }
;; fd_write is how WASI programs reach stdout and any open file. The guest builds an iovec and calls
;; it on fd 1 before writing its output: with WASI linked, text leaks to the host's stdout and the
;; call succeeds.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 300) "leaked")
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    ;; iovec at 256: { ptr = 300, len = 6 } -> "leaked"
    (i32.store (i32.const 256) (i32.const 300))
    (i32.store (i32.const 260) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 264)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
