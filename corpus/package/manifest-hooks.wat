;;! id = "package.manifest-hooks"
;;! guarantee = "PKG-12"
;;! since = "0.1.0"
;;! summary = "the manifest declares the host's `hooks`, which are not a tool plugin's"
;;! [package]
;;! manifest_replace = '''
;;! schema_version = 1
;;! id = "host.manifest"
;;! name = "Host manifest"
;;! version = "0.1.0"
;;! description = "d"
;;! hooks = []
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
;; A key that does not describe a tool plugin is refused, named in the error, never ignored.
;; Verdict class: the profile's contract, not safety (docs/SPEC.md section 2.5, "Safety or the
;; profile's contract"). A host whose plugins may carry hooks loads this manifest and fails here
;; with nothing unsafe done: the guest still links only the section 4 imports.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
