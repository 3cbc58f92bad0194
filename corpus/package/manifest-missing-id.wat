;;! id = "package.manifest-missing-id"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "a manifest complete but for its id"
;;! [package]
;;! manifest_replace = """
;;! schema_version = 1
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
;; The plugin id is what a host registers the plugin under. A reader that checks only the keys it
;; uses to run the module (runtime.*, tools) loads a plugin without one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
