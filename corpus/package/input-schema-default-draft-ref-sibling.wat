;;! id = "package.input-schema-default-draft-ref-sibling"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "no $schema; a $ref with a sibling required; the input lacks the required member"
;;! input_schema = '{"$defs":{"obj":{"type":"object"}},"type":"object","properties":{"a":{"$ref":"#/$defs/obj","required":["x"]}}}'
;;! input = '{"a":{}}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; Since draft 2019-09 the keywords beside a $ref apply with it; draft 7 ignores them. Read as
;; draft 2020-12, the input misses "x"; a runtime defaulting to draft 7 runs the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
