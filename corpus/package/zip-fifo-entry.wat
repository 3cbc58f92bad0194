;;! id = "package.zip-fifo-entry"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "the archive holds a FIFO entry (Unix mode 0o010644)"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "pipe"
;;! mode = 0o010644
;;! [expect]
;;! code = "path_escape"
;; A special-file entry is refused as a FIFO in a directory is: an extractor would create it, and a
;; later reader block on it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
