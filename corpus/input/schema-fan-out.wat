;;! id = "input.schema-fan-out"
;;! guarantee = "PKG-09"
;;! since = "0.1.0"
;;! summary = "a 1.5 KiB input_schema whose $ref/allOf chain applies one subschema 2^24 times to a string"
;;! input = '{"s":"x"}'
;;! input_schema = '{"type":"object","properties":{"s":{"$ref":"#/$defs/d0"}},"$defs":{"d0":{"allOf":[{"$ref":"#/$defs/d1"},{"$ref":"#/$defs/d1"}]},"d1":{"allOf":[{"$ref":"#/$defs/d2"},{"$ref":"#/$defs/d2"}]},"d2":{"allOf":[{"$ref":"#/$defs/d3"},{"$ref":"#/$defs/d3"}]},"d3":{"allOf":[{"$ref":"#/$defs/d4"},{"$ref":"#/$defs/d4"}]},"d4":{"allOf":[{"$ref":"#/$defs/d5"},{"$ref":"#/$defs/d5"}]},"d5":{"allOf":[{"$ref":"#/$defs/d6"},{"$ref":"#/$defs/d6"}]},"d6":{"allOf":[{"$ref":"#/$defs/d7"},{"$ref":"#/$defs/d7"}]},"d7":{"allOf":[{"$ref":"#/$defs/d8"},{"$ref":"#/$defs/d8"}]},"d8":{"allOf":[{"$ref":"#/$defs/d9"},{"$ref":"#/$defs/d9"}]},"d9":{"allOf":[{"$ref":"#/$defs/d10"},{"$ref":"#/$defs/d10"}]},"d10":{"allOf":[{"$ref":"#/$defs/d11"},{"$ref":"#/$defs/d11"}]},"d11":{"allOf":[{"$ref":"#/$defs/d12"},{"$ref":"#/$defs/d12"}]},"d12":{"allOf":[{"$ref":"#/$defs/d13"},{"$ref":"#/$defs/d13"}]},"d13":{"allOf":[{"$ref":"#/$defs/d14"},{"$ref":"#/$defs/d14"}]},"d14":{"allOf":[{"$ref":"#/$defs/d15"},{"$ref":"#/$defs/d15"}]},"d15":{"allOf":[{"$ref":"#/$defs/d16"},{"$ref":"#/$defs/d16"}]},"d16":{"allOf":[{"$ref":"#/$defs/d17"},{"$ref":"#/$defs/d17"}]},"d17":{"allOf":[{"$ref":"#/$defs/d18"},{"$ref":"#/$defs/d18"}]},"d18":{"allOf":[{"$ref":"#/$defs/d19"},{"$ref":"#/$defs/d19"}]},"d19":{"allOf":[{"$ref":"#/$defs/d20"},{"$ref":"#/$defs/d20"}]},"d20":{"allOf":[{"$ref":"#/$defs/d21"},{"$ref":"#/$defs/d21"}]},"d21":{"allOf":[{"$ref":"#/$defs/d22"},{"$ref":"#/$defs/d22"}]},"d22":{"allOf":[{"$ref":"#/$defs/d23"},{"$ref":"#/$defs/d23"}]},"d23":{"allOf":[{"$ref":"#/$defs/d24"},{"$ref":"#/$defs/d24"}]},"d24":{"type":"string"}}}'
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "manifest_invalid"
;; Each definition applies the next one twice, so validating "x" takes about 5 * 10^7 subschema
;; evaluations (validators cache $ref results for objects and arrays, not for strings). The bound of
;; docs/SPEC.md section 2 (1024 applications per input value) refuses the schema at load; a runtime
;; that compiles it and validates each call spends seconds of host time outside any deadline.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime lets the call through.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
