;;; eglot_drive.el --- Emacs 30's eglot through the scenario of editor_helpers.py  -*- lexical-binding: t -*-
;; Run in tmux: emacs -nw -Q -l eglot_drive.el.  Writes what it saw to $REPORT.

(require 'eglot)
(load (expand-file-name "drive_common" (file-name-directory load-file-name)) nil t)

;; The README's configuration, as written there.
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((text-mode markdown-mode python-mode) . ("orchestra" "serve"))))
;; A machine under load: the first requests wait for the engine to be built.
(setq eglot-confirm-server-edits nil
      jsonrpc-default-request-timeout 60)

(defun drive-open (relative)
  (find-file (expand-file-name relative drive-root))
  (eglot-ensure)
  (run-hooks 'post-command-hook)  ; eglot-ensure connects after the next command
  (drive-wait "eglot to manage the buffer" 30 #'eglot-managed-p))

(defun drive-action (title beg end &optional kind)
  (seq-find (lambda (a) (equal (plist-get a :title) title))
            (eglot-code-actions beg end kind)))

(defun drive ()
  (let (steps)
    ;; 1. Diagnostics on a line with astral characters, and the quick fix.
    (drive-open ".orchestra/agents/emo.md")
    (drive-fix-diagnostic
     (lambda (beg end)
       (let ((fix (drive-action "Change to 'edit'" beg end "quickfix")))
         (unless fix (error "No quick fix offered"))
         (eglot-execute (eglot-current-server) fix))))
    (push "diagnostic" steps)
    (push "quick fix" steps)
    ;; 2. Template completion with completion-at-point, as a person presses it.
    (drive-open ".orchestra/commands/two.md")
    (goto-char (point-min))
    (search-forward "{{steps.p")
    (let ((items (drive-wait "completion" 30
                             (lambda ()
                               (let ((capf (eglot-completion-at-point)))
                                 (and capf (all-completions "" (nth 2 capf))))))))
      (drive-put 'completion_labels (vconcat (mapcar #'substring-no-properties items))))
    (let ((capf (eglot-completion-at-point)))
      (drive-complete capf (drive-choice (all-completions "" (nth 2 capf)) "steps.plan.output")))
    (drive-put 'completed_line (drive-line))
    (push "completion" steps)
    ;; 3. A command run from a code action ("arguments": {} comes back as null).
    (drive-open "app.py")
    (let ((hello (drive-action "Orchestra: Say hello" (point) (point))))
      (unless hello (error "No command offered"))
      (eglot-execute (eglot-current-server) hello))
    (drive-wait "the run to finish" 60 (lambda () (drive-finished 1)))
    (push "command run" steps)
    ;; 4. A review, through the message request, applied to the buffer.
    (let ((fix (drive-action "Orchestra: Say hello in app.py" (point-min) (point-min))))
      (unless fix (error "No fix command offered"))
      (eglot-execute (eglot-current-server) fix))
    (drive-wait "the reviewed run to finish" 60 (lambda () (drive-finished 2)))
    (drive-put 'review_prompt (or (car drive-asked) ""))
    (goto-char (point-min))
    (drive-put 'reviewed_line (drive-line))
    (push "review" steps)
    (drive-put 'steps (vconcat (reverse steps)))))

(drive-run #'drive)
