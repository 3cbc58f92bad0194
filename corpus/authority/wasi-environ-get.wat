;;! id = "authority.wasi-environ-get"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI environ_sizes_get and environ_get"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::environ_sizes_get", "wasi_snapshot_preview1::environ_get"] }
;; Reading the host's environment is ambient authority (API keys live there). Both imports are
;; named, in import order.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $environ_sizes_get (i32.const 256) (i32.const 260)))
    (drop (call $environ_get (i32.const 1024) (i32.const 4096)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
