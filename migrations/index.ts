// Every migration, in order. Listed explicitly so the same list runs from ts-jest and from the build.
import { CreateCoreSchema1763800000000 } from './1763800000000-CreateCoreSchema';
import { CreateSessions1763800001000 } from './1763800001000-CreateSessions';
import { CreateContactImports1763800200000 } from './1763800200000-CreateContactImports';
import { AddScoreRollups1763800300000 } from './1763800300000-AddScoreRollups';
import { AddEmailDelivery1763800400000 } from './1763800400000-AddEmailDelivery';
import { StoreContactImportFiles1763800500000 } from './1763800500000-StoreContactImportFiles';
import { AddMailboxRecipientAddresses1763800600000 } from './1763800600000-AddMailboxRecipientAddresses';
import { AddScoreDigest1763801000000 } from './1763801000000-AddScoreDigest';
import { FoldRollupDeltas1763802000000 } from './1763802000000-FoldRollupDeltas';
import { AddCumulativeRollups1763802000100 } from './1763802000100-AddCumulativeRollups';
import { AddRateLimitHits1763802100000 } from './1763802100000-AddRateLimitHits';
import { PartialAnswerKeys1763802100100 } from './1763802100100-PartialAnswerKeys';
import { AddClosedLoop1763802200000 } from './1763802200000-AddClosedLoop';
import { AddFollowUpTimeline1763802300000 } from './1763802300000-AddFollowUpTimeline';
import { AddCommentThemes1763802400000 } from './1763802400000-AddCommentThemes';
import { AddTopicResponses1763802600000 } from './1763802600000-AddTopicResponses';
import { AddJourneyAnalytics1763802700000 } from './1763802700000-AddJourneyAnalytics';
import { AddSegmentRollups1763802800000 } from './1763802800000-AddSegmentRollups';
import { AddSegmentKindRollup1763802900000 } from './1763802900000-AddSegmentKindRollup';
import { WideSurveyCumulative1763803000000 } from './1763803000000-WideSurveyCumulative';
import { AddStageCumulative1763803100000 } from './1763803100000-AddStageCumulative';
import { AddTouchpointStanding1763803200000 } from './1763803200000-AddTouchpointStanding';

export const migrations = [
  CreateCoreSchema1763800000000,
  CreateSessions1763800001000,
  CreateContactImports1763800200000,
  AddScoreRollups1763800300000,
  AddEmailDelivery1763800400000,
  StoreContactImportFiles1763800500000,
  AddMailboxRecipientAddresses1763800600000,
  AddScoreDigest1763801000000,
  FoldRollupDeltas1763802000000,
  AddCumulativeRollups1763802000100,
  AddRateLimitHits1763802100000,
  PartialAnswerKeys1763802100100,
  AddClosedLoop1763802200000,
  AddFollowUpTimeline1763802300000,
  AddCommentThemes1763802400000,
  AddTopicResponses1763802600000,
  AddJourneyAnalytics1763802700000,
  AddSegmentRollups1763802800000,
  AddSegmentKindRollup1763802900000,
  WideSurveyCumulative1763803000000,
  AddStageCumulative1763803100000,
  AddTouchpointStanding1763803200000,
];
