;;! id = "input.schema-of-called-tool"
;;! guarantee = "IN-04"
;;! since = "0.1.0"
;;! summary = "two tools with different schemas; the second, which requires q, is called without q"
;;! tool = "strict"
;;! [package]
;;! manifest_replace = """
;;! schema_version = 1
;;! id = "input.schema-of-called-tool"
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
;;! name = "loose"
;;! description = "takes any object"
;;! input_schema = { type = "object" }
;;!
;;! [[tools]]
;;! name = "strict"
;;! description = "needs q"
;;! input_schema = { type = "object", properties = { q = { type = "string" } }, required = ["q"] }
;;! """
;;! [expect]
;;! code = "input_schema_mismatch"
;; The input is checked against the schema of the tool called, not of the first tool declared (or
;; any other). A runtime that validates against the first schema lets {} through to the guest.
;; input.schema-of-first-tool-not-applied is the same manifest from the other side.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the input reached the guest\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
