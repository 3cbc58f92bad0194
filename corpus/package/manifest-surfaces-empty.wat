;;! id = "package.manifest-surfaces-empty"
;;! guarantee = "PKG-12"
;;! since = "0.1.0"
;;! summary = "the manifest declares surfaces = []"
;;! [package]
;;! manifest_replace = '''
;;! schema_version = 1
;;! id = "host.manifest"
;;! name = "Host manifest"
;;! version = "0.1.0"
;;! description = "d"
;;! surfaces = []
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
;; A tool plugin declares the tool surface; an empty list declares none.
;; Verdict class: the profile's contract, not safety (docs/SPEC.md section 2.5, "Safety or the
;; profile's contract"). A host whose plugins may declare no surface loads this manifest and fails
;; here with nothing unsafe done: surfaces grant a guest nothing.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
