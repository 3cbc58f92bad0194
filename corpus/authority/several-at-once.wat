;;! id = "authority.several-at-once"
;;! guarantee = "AUTH-02"
;;! since = "0.1.0"
;;! summary = "seven WASI imports interleaved with allowed ones: all seven named, in import order"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::fd_write", "wasi_snapshot_preview1::environ_get", "wasi_snapshot_preview1::path_open", "wasi_snapshot_preview1::sock_send", "wasi_snapshot_preview1::clock_time_get", "wasi_snapshot_preview1::random_get", "wasi_snapshot_preview1::proc_exit"], count = 7 }
;; The allowed imports (input_len, output_write) sit between the denied ones, so the list must skip
;; them and keep the module's order. A runtime that stops at the first offender (as a plain linker
;; does) names only fd_write.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
