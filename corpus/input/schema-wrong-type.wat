;;! id = "input.schema-wrong-type"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "count must be an integer; the input gives the string \"three\""
;;! input = '{"count":"three"}'
;;! input_schema = '{"type":"object","properties":{"count":{"type":"integer"}}}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; The input is valid JSON and the right top-level type, so only validation against the tool's
;; input_schema refuses it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the input through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
