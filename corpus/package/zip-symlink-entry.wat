;;! id = "package.zip-symlink-entry"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "the module entry is a symlink entry (Unix mode 0o120777) pointing outside"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! mode = 0o120777
;;! text = "../../../etc/passwd"
;;! [expect]
;;! code = "path_escape"
;; A symlink entry is refused as a symlink in a directory is. A reader that ignores the mode reads
;; the link's target text as the module (module_invalid); one that extracts and follows it reads
;; outside the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
