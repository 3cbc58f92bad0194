;;! id = "authority.wasi-sockets"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI sock_accept and sock_send"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::sock_accept", "wasi_snapshot_preview1::sock_send"] }
;; Network authority through WASI sockets. Both imports are named, in import order.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 256)))
    (drop (call $sock_send (i32.const 4) (i32.const 264) (i32.const 1) (i32.const 0) (i32.const 272)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
