;;! id = "input.tool-name-case"
;;! guarantee = "IN-05"
;;! since = "0.1.0"
;;! summary = "calls \"Run\"; the manifest declares \"run\""
;;! tool = "Run"
;;! [package]
;;! tools = ["run"]
;;! [expect]
;;! code = "tool_unknown"
;; Tool names compare byte for byte: a case-insensitive lookup routes the call.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
