;;! id = "package.tool-name-duplicate"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "two tools share the name \"run\""
;;! [package]
;;! tools = ["run", "run"]
;;! [expect]
;;! code = "manifest_invalid"
;; With two declarations of one name, which input_schema applies is ambiguous; a runtime that keeps
;; the first or the last silently picks one. The manifest is refused.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
