;;! id = "package.entry-empty-component"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is \"sub//plugin.wasm\""
;;! [package]
;;! entry = "sub//plugin.wasm"
;;! module_path = "sub/plugin.wasm"
;;! [expect]
;;! code = "path_escape"
;; The module is at sub/plugin.wasm. An empty component ('//') is refused, not collapsed: the
;; entry must name the file by plain components only.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
