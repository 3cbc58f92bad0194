;;! id = "package.input-schema-draft-07-ref-sibling-ignored"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "$schema names draft 7; a $ref with a sibling required, which draft 7 ignores"
;;! input_schema = '{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"obj":{"type":"object"}},"type":"object","properties":{"a":{"$ref":"#/definitions/obj","required":["x"]}}}'
;;! input = '{"a":{}}'
;;! [expect.output]
;;! summary = "the guest ran"
;; In draft 7 a $ref replaces its siblings: the input is valid and the guest runs. A runtime that
;; reads the schema as 2020-12 whatever its $schema says applies required and refuses the input.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
