;;! id = "authority.wasi-random-get"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI random_get"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::random_get"] }
;; Host randomness is not part of ABI v1 either: tool calls stay deterministic.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $random_get (i32.const 256) (i32.const 16)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
