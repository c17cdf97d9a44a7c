/**
 * The COMPLETE event's `verification` block as one zod schema: the TypeScript types of
 * verify.ts and the event JSON Schema (eventSchema.ts, `npm run generate`) both come from it.
 */
import { z } from 'zod';

/** Per rendition, what the job verified (the COMPLETE event's `verification.renditions`). */
export const RenditionVerificationSchema = z.strictObject({
  name: z.string(),
  framesIn: z.int().min(1).meta({ description: 'Frames of the source the job was asked for.' }),
  framesOut: z.int().min(1).meta({ description: 'Frames written (equal to framesIn, or the job fails).' }),
  maxTimestampErrorMs: z.number().min(0).meta({
    description: "Largest difference between a frame's time and its source time (from the plan's first frame).",
  }),
  avStartOffsetMs: z.number().meta({ description: 'Audio start minus video start (absent without audio).' }).optional(),
  avEndOffsetMs: z.number().meta({ description: 'Audio end minus video end (absent without audio).' }).optional(),
  joinsChecked: z
    .int()
    .min(0)
    .meta({ description: 'Joins between consecutive pieces (video and audio) found without gap or overlap.' }),
  keyframesAligned: z
    .literal(true)
    .meta({ description: 'Every piece starts on a keyframe at the same time in every rendition.' }),
  piecesChecked: z
    .int()
    .min(1)
    .meta({ description: 'Video pieces whose stored size is the size their worker checked.' }),
  quality: z
    .strictObject({
      framesMeasured: z.int().min(1),
      ssimMin: z.number().min(0).max(1),
      ssimMean: z.number().min(0).max(1),
      psnrMinDb: z.number(),
      psnrMeanDb: z.number(),
    })
    .meta({
      description:
        'SSIM and PSNR of the measured frames (the first frames of each segment) against the source, scaled back to the source size. PSNR of identical frames is reported as 100.',
    }),
});

/** The COMPLETE event's `verification` block. */
export const VerificationSchema = z
  .strictObject({
    status: z.literal('PASSED'),
    limits: z.strictObject({
      maxTimestampErrorFrames: z
        .number()
        .meta({ description: 'Largest timestamp error allowed, in frames (of the shortest source frame).' }),
      maxAvStartOffsetMs: z.number().optional(),
      maxAvEndOffsetMs: z.number().optional(),
      minSsim: z.number().min(0).max(1),
      minPsnrDb: z.number(),
    }),
    renditions: z.array(RenditionVerificationSchema).min(1),
  })
  .meta({
    id: 'verification',
    description:
      'COMPLETE: what the job verified of each rendition before publishing it (src/pipeline/verify.ts, docs/OUTPUTS.md "Verification"). A job whose check fails ends in ERROR with VERIFICATION_FAILED instead.',
  });

export type RenditionVerification = z.infer<typeof RenditionVerificationSchema>;
export type VerificationReport = z.infer<typeof VerificationSchema>;
