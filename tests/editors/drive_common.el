;;; drive_common.el --- What eglot_drive.el and lsp_mode_drive.el share  -*- lexical-binding: t -*-
;; The report, waiting as a person's idle Emacs does, the person's answer to the review's
;; prompt, and the run that writes the report and leaves Emacs.  Each driver loads it
;; first and calls `drive-run' with its own `drive'.

(require 'json)
(require 'flymake)
(require 'subr-x)

(defvar drive-root (file-name-as-directory (getenv "WORKSPACE")))
(defvar drive-report nil "An alist, written as JSON.")

(defun drive-put (key value) (push (cons key value) drive-report))

(defun drive-wait (what seconds predicate)
  (let ((deadline (+ (float-time) seconds)) result)
    (while (and (not (setq result (funcall predicate))) (< (float-time) deadline))
      ;; Idle, as a person's Emacs is between keys: idle timers run (eglot sends its
      ;; didChange after `eglot-send-changes-idle-time`), process output is read.
      (sit-for 1))
    (or result (error "Timed out waiting for %s" what))))

;; The person answers the review's message request "Accept all" (the editor's own
;; prompt, `completing-read`, is where they would type it).
(defvar drive-asked nil)
(advice-add 'completing-read :around
            (lambda (orig prompt collection &rest rest)
              (if (and (listp collection)
                       (or (member "Accept all" collection) (assoc "Accept all" collection)))
                  (progn (push prompt drive-asked) "Accept all")
                (apply orig prompt collection rest))))

(defun drive-finished (count)
  (>= (seq-count (lambda (file) (equal (alist-get 'state (json-read-file file)) "finished"))
                 (file-expand-wildcards (expand-file-name ".orchestra/runs/*/run.json" drive-root)))
      count))

(defun drive-line () (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

(setq auto-mode-alist (cons '("\\.md\\'" . text-mode) auto-mode-alist))

(defun drive-diagnostic ()
  "The flymake diagnostic on the misspelt tool `edt', once it shows."
  (drive-wait "the diagnostic" 30
              (lambda ()
                (seq-find (lambda (d) (string-match-p "'edt'" (flymake-diagnostic-text d)))
                          (flymake-diagnostics)))))

(defun drive-fix-diagnostic (apply-fix)
  "The diagnostic on the line with astral characters and its quick fix: report the
text it covers, call APPLY-FIX with its BEG and END (point at BEG) to find and apply
the fix, then report the fixed line."
  (let* ((diag (drive-diagnostic))
         (beg (flymake-diagnostic-beg diag))
         (end (flymake-diagnostic-end diag)))
    (drive-put 'diagnostic_text (buffer-substring-no-properties beg end))
    (goto-char beg)
    (funcall apply-fix beg end)
    (goto-char beg)
    (drive-put 'fixed_line (drive-line))))

(defun drive-complete (capf choice)
  "What a completion UI (the default one, company, corfu) does when the person picks
CHOICE from CAPF: insert it over the capf's bounds, then call its exit function, where
the client applies the item's textEdit."
  (delete-region (nth 0 capf) (nth 1 capf))
  (goto-char (nth 0 capf))
  (insert choice)
  (funcall (plist-get (nthcdr 3 capf) :exit-function) choice 'finished))

(defun drive-choice (items label)
  "The completion item of ITEMS whose text is LABEL."
  (seq-find (lambda (c) (equal (substring-no-properties c) label)) items))

(defun drive-run (drive)
  "Call DRIVE once Emacs is up, write the report (with DRIVE's error, if any) and exit."
  (run-with-timer
   0.5 nil
   (lambda ()
     (condition-case err
         (funcall drive)
       (error (drive-put 'error (format "%S" err))))
     (with-temp-file (getenv "REPORT")
       (insert (json-encode drive-report)))
     (kill-emacs 0))))
