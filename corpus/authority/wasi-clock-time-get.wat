;;! id = "authority.wasi-clock-time-get"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI clock_time_get"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::clock_time_get"] }
;; A clock is a timing side channel and a source of nondeterminism; ABI v1 gives none.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 256)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
