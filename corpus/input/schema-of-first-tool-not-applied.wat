;;! id = "input.schema-of-first-tool-not-applied"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "two tools with different schemas; the second, which takes any object, is called with {}"
;;! tool = "loose"
;;! [package]
;;! manifest_replace = """
;;! schema_version = 1
;;! id = "input.schema-of-first-tool-not-applied"
;;! name = "schema of the called tool"
;;! version = "0.1.0"
;;! description = "two tools, two schemas"
;;!
;;! [runtime]
;;! kind = "wasm"
;;! entry = "plugin.wasm"
;;! abi = "yoi-plugin-wasm-1"
;;!
;;! [[tools]]
;;! name = "strict"
;;! description = "needs q"
;;! input_schema = { type = "object", properties = { q = { type = "string" } }, required = ["q"] }
;;!
;;! [[tools]]
;;! name = "loose"
;;! description = "takes any object"
;;! input_schema = { type = "object" }
;;! """
;;! [expect]
;;! output = { summary = "the input reached the guest" }
;; The mirror of input.schema-of-called-tool: the first tool's schema requires q, the called tool's
;; does not, so {} is valid input. A runtime that validates against the first declared schema (or
;; every tool's) refuses a valid call with input_schema_mismatch.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the input reached the guest\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
