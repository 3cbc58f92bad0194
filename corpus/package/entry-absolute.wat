;;! id = "package.entry-absolute"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is the absolute path /etc/passwd"
;;! [package]
;;! entry = "/etc/passwd"
;;! module_path = "plugin.wasm"
;;! [expect]
;;! code = "path_escape"
;; A runtime that opens the entry as given reads a host file (and then reports module_invalid); the
;; path must be refused as an escape before anything is read.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
