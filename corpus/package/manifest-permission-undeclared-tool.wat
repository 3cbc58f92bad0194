;;! id = "package.manifest-permission-undeclared-tool"
;;! guarantee = "PKG-12"
;;! since = "0.1.0"
;;! summary = "a tool permission names a tool the manifest does not declare"
;;! [package]
;;! manifest_replace = '''
;;! schema_version = 1
;;! id = "host.manifest"
;;! name = "Host manifest"
;;! version = "0.1.0"
;;! description = "d"
;;! surfaces = ["tool"]
;;! permissions = [ { kind = "tool", name = "other" } ]
;;! [runtime]
;;! kind = "wasm"
;;! entry = "plugin.wasm"
;;! abi = "yoi-plugin-wasm-1"
;;!
;;! [[tools]]
;;! name = "run"
;;! description = "conformance case tool"
;;! input_schema = { type = "object" }
;;! '''
;;! [expect]
;;! code = "manifest_invalid"
;; A permission references a declared tool, as strictly as a call names one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
