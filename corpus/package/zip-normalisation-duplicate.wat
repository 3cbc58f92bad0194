;;! id = "package.zip-normalisation-duplicate"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the archive holds café.txt twice, once composed (NFC) and once decomposed (NFD)"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "caf\u00e9.txt"
;;! text = "composed"
;;! [[zip.entry]]
;;! name = "cafe\u0301.txt"
;;! text = "decomposed"
;;! [expect]
;;! code = "package_invalid"
;; macOS file systems take the two names for one file. A reader that compares names byte for byte
;; loads the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
