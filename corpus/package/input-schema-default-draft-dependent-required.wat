;;! id = "package.input-schema-default-draft-dependent-required"
;;! guarantee = "PKG-13"
;;! since = "0.1.0"
;;! summary = "no $schema; dependentRequired says a needs b; the input has a only"
;;! input_schema = '{"type":"object","dependentRequired":{"a":["b"]}}'
;;! input = '{"a":1}'
;;! [expect]
;;! code = "input_schema_mismatch"
;; dependentRequired is the 2019-09 and 2020-12 spelling of draft 7's array-valued dependencies;
;; a runtime defaulting to draft 7 ignores it and runs the guest.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
