;;! id = "package.tampered-export-after-pin"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "after the pin, the module's last byte (the memory index of its only export) loses a bit"
;;! [package]
;;! tamper_after_pin = true
;;! [expect]
;;! code = "digest_mismatch"
;; The module is only a memory and its export, so its last byte is the exported memory's index:
;; flipped, the export names memory 1, which does not exist, and the module is invalid. The digest
;; comes first: digest_mismatch. A runtime that validates or compiles before it checks the digest
;; answers module_invalid. (Untampered, the module lacks yoi_tool_call; it is never loaded intact.)
(module
  (memory 1)
  (export "memory" (memory 0)))
