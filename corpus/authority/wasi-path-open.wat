;;! id = "authority.wasi-path-open"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI path_open to open a file by path"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi_snapshot_preview1::path_open"] }
;; path_open is the WASI door to the file system. The guest tries to open "/etc/passwd" relative to
;; preopen fd 3.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 300) "/etc/passwd")
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 300) (i32.const 11)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 256)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
