;;! id = "input.tool-unknown"
;;! guarantee = "IN-05"
;;! since = "0.1.0"
;;! summary = "calls \"delete_everything\"; the manifest declares only \"run\""
;;! tool = "delete_everything"
;;! [package]
;;! tools = ["run"]
;;! [expect]
;;! code = "tool_unknown"
;; A module that serves any name it is given would run; the runtime answers for the manifest, so an
;; undeclared name is tool_unknown before any guest code runs.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
