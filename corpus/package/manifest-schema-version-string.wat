;;! id = "package.manifest-schema-version-string"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "a complete manifest that says schema_version = \"1\", a string"
;;! [package]
;;! manifest_replace = """
;;! schema_version = "1"
;;! id = "conformance.manifest"
;;! name = "manifest"
;;! version = "0.1.0"
;;! description = "hand-written manifest"
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
;;! """
;;! [expect]
;;! code = "manifest_invalid"
;; The right value with the wrong type. A runtime that reads the manifest loosely (a string "1"
;; compared as text, or coerced to a number) loads it; the key must be the integer 1.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
