import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import {
  type AddRule,
  type ListRulesQuery,
  type UpdateRule,
  addRuleSchema,
  listRulesQuerySchema,
  updateRuleSchema,
} from './routing-rule.dto';
import { RoutingRulesService } from './routing-rules.service';

/** Routing rules, spec 05 §3.10.1–§3.10.5. */
@Controller('v5/iot/:project_id/routing-rule/rules')
export class RoutingRulesController {
  constructor(private readonly rules: RoutingRulesService) {}

  @Post()
  create(@Param('project_id') project: string, @Body(new ZodValidationPipe(addRuleSchema)) body: AddRule) {
    return this.rules.create(project, body);
  }

  @Get()
  list(
    @Param('project_id') project: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(listRulesQuerySchema)) query: ListRulesQuery,
  ) {
    return this.rules.list(project, query, markerPagingOf(raw));
  }

  @Get(':rule_id')
  show(@Param('project_id') project: string, @Param('rule_id') ruleId: string) {
    return this.rules.show(project, ruleId);
  }

  @Put(':rule_id')
  update(
    @Param('project_id') project: string,
    @Param('rule_id') ruleId: string,
    @Body(new ZodValidationPipe(updateRuleSchema)) body: UpdateRule,
  ) {
    return this.rules.update(project, ruleId, body);
  }

  @Delete(':rule_id')
  @HttpCode(204)
  async delete(@Param('project_id') project: string, @Param('rule_id') ruleId: string): Promise<void> {
    await this.rules.delete(project, ruleId);
  }
}
