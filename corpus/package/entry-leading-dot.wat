;;! id = "package.entry-leading-dot"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is \"./plugin.wasm\""
;;! [package]
;;! entry = "./plugin.wasm"
;;! module_path = "plugin.wasm"
;;! [expect]
;;! code = "path_escape"
;; The module is at plugin.wasm. A leading './' is a '.' component like any other: refused.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
