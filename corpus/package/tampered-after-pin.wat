;;! id = "package.tampered-after-pin"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "one byte of the module changes after the host pinned the digest"
;;! [package]
;;! pad_module_to = 1024
;;! tamper_after_pin = true
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
;;!
;;! [[tools]]
;;! name = "run"
;;! description = "conformance case tool"
;;! input_schema = { type = "object" }
;;! """
;;! [expect]
;;! code = "digest_mismatch"
;; The kit pins the package digest, then flips the lowest bit of the module file's last byte. The
;; module is padded with a custom section, so the flipped bit lands in padding and the changed
;; module is still valid. A runtime that trusts the pin runs it. The package is byte-identical to
;; package.digest-pinned before the flip, so a runtime that answers a pinned digest from a cache of
;; earlier loads (in process or on disk) also runs it. Every load re-hashes: digest_mismatch.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
