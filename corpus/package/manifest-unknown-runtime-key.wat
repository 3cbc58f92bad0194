;;! id = "package.manifest-unknown-runtime-key"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "the [runtime] table carries an unknown key wasi = true"
;;! [package]
;;! manifest_replace = """
;;! schema_version = 1
;;! id = "conformance.manifest"
;;! name = "manifest"
;;! version = "0.1.0"
;;! description = "hand-written manifest"
;;!
;;! [runtime]
;;! kind = "wasm"
;;! entry = "plugin.wasm"
;;! abi = "yoi-plugin-wasm-1"
;;! wasi = true
;;!
;;! [[tools]]
;;! name = "run"
;;! description = "conformance case tool"
;;! input_schema = { type = "object" }
;;! """
;;! [expect]
;;! code = "manifest_invalid"
;; Unknown keys are refused at every level (manifest-unknown-table covers the top level,
;; manifest-unknown-tool-key a tool). A runtime that checks unknown keys only at the top level, or
;; deserialises [runtime] into a struct without deny_unknown_fields, ignores a request for WASI.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
