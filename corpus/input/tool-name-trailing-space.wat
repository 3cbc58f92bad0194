;;! id = "input.tool-name-trailing-space"
;;! guarantee = "IN-05"
;;! since = "0.1.0"
;;! summary = "calls \"run \" (a trailing space) on a plugin that declares \"run\""
;;! tool = "run "
;;! [package]
;;! tools = ["run"]
;;! [expect]
;;! code = "tool_unknown"
;; Tool names compare byte for byte. A runtime that trims the called name, or matches by prefix,
;; calls "run".
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
