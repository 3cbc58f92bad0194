;;! id = "package.manifest-missing-entry"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "the [runtime] table has no entry key"
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
;;! abi = "yoi-plugin-wasm-1"
;;!
;;! [[tools]]
;;! name = "run"
;;! description = "conformance case tool"
;;! input_schema = { type = "object" }
;;! """
;;! [expect]
;;! code = "manifest_invalid"
;; The module is written as plugin.wasm, the conventional name. A runtime that defaults a missing
;; runtime.entry to it would load and run the guest; entry is required, so the load fails with
;; manifest_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
