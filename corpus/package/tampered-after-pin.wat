;;! id = "package.tampered-after-pin"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "one byte of the module changes after the host pinned the digest"
;;! [package]
;;! pad_module_to = 1024
;;! tamper_after_pin = true
;;! [expect]
;;! code = "digest_mismatch"
;; The kit pins the package digest, then flips the lowest bit of the module file's last byte. The
;; module is padded with a custom section, so the flipped bit lands in padding and the changed
;; module is still valid. A runtime that trusts the pin runs it; one that re-hashes on load fails
;; with digest_mismatch. package.tampered-copy-after-warm-load checks the same with a warm cache.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
