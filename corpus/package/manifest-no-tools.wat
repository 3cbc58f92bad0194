;;! id = "package.manifest-no-tools"
;;! guarantee = "PKG-03"
;;! since = "0.1.0"
;;! summary = "a manifest without any [[tools]] table"
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
;;! """
;;! [expect]
;;! code = "manifest_invalid"
;; A plugin that declares no tool is not a valid plugin. A runtime that skips manifest checks gets
;; as far as the call and answers tool_unknown; the load itself must fail with manifest_invalid.
;; Verdict class: the profile's contract, not safety (docs/SPEC.md section 2.5, "Safety or the
;; profile's contract"). A host whose plugins may have hooks only loads this manifest and fails
;; here with nothing unsafe done: with no tool declared, no call can reach the guest (IN-05).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
