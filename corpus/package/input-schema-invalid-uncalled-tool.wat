;;! id = "package.input-schema-invalid-uncalled-tool"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the called tool's schema is valid; the second tool's says type = 12"
;;! [package]
;;! manifest_replace = """
;;! schema_version = 1
;;! id = "package.input-schema-invalid-uncalled-tool"
;;! name = "an invalid schema on a tool nobody calls"
;;! version = "0.1.0"
;;! description = "two tools, one invalid schema"
;;!
;;! [runtime]
;;! kind = "wasm"
;;! entry = "plugin.wasm"
;;! abi = "yoi-plugin-wasm-1"
;;!
;;! [[tools]]
;;! name = "run"
;;! description = "conformance case tool"
;;! input_schema = { type = "object" }
;;!
;;! [[tools]]
;;! name = "other"
;;! description = "never called"
;;! input_schema = { type = 12 }
;;! """
;;! [expect]
;;! code = "manifest_invalid"
;; Every schema is compiled when the package loads, not when its tool is first called. A runtime
;; that compiles schemas lazily loads this package and runs "run"; the broken tool would only fail
;; later, in front of the model.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
