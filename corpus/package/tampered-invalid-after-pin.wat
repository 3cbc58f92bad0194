;;! id = "package.tampered-invalid-after-pin"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "after the pin, the module's last byte (the end of its only function body) loses a bit"
;;! [package]
;;! tamper_after_pin = true
;;! [expect]
;;! code = "digest_mismatch"
;; Unlike package.tampered-after-pin, the flipped bit is not in padding: the last byte of this
;; module is the `end` (0x0B) of its function body, and 0x0A makes the module invalid. The digest
;; is compared before anything is compiled, so the answer is still digest_mismatch. A runtime that
;; compiles (or validates) first and checks the digest afterwards answers module_invalid.
;; (No identifiers and no data: the code section must be the module's last section.)
(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    unreachable))
